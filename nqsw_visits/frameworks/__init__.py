"""Professional standards frameworks: the shipped data files and `flask load-framework`."""
