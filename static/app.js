// Alongside front-end behaviour.
//
// Load with: <script type="module" src="/static/app.js"></script>
// Works under a Content-Security-Policy of default-src 'self': no inline
// script, no eval, nothing loaded from elsewhere.
//
// 1. Marks <body> so GOV.UK Frontend's JavaScript-only styles apply.
// 2. Initialises GOV.UK Frontend components on the page.
// 3. After each htmx swap, initialises components in the new content and,
//    if the new content holds an element with data-focus-on-load (an error
//    summary, a heading), moves focus to the first such element.
// 4. Clears the "service is busy" message from the alert region when the
//    person tries again, so it never outlives the request it was about.

import { initAll } from './govuk/govuk-frontend-6.3.0.min.js'

const body = document.body

// Running as a module means the browser supports ES modules, which is what
// GOV.UK Frontend's usual inline snippet tests for.
body.classList.add('js-enabled', 'govuk-frontend-supported')

// Content swapped in from htmx's history cache is a copy of an earlier page,
// including the data-<module>-init markers, but none of its event listeners.
// Those "already initialised" errors are expected and are not logged.
function onError (error) {
  if (error && error.name === 'InitError') return
  console.log(error)
}

initAll({ onError })

// initAll({ scope }) only searches *inside* the scope element, so a swapped-in
// element that is itself a component (data-module="...") is reached through
// its parent. Components that are already set up are skipped (InitError).
function initComponentsIn (elt) {
  const scope = elt.hasAttribute('data-module') && elt.parentElement
    ? elt.parentElement
    : elt
  initAll({ scope, onError })
}

// Moving focus: like GOV.UK Frontend's own setFocus, make the element
// focusable for as long as it has focus.
function setFocus (elt) {
  if (!elt.hasAttribute('tabindex')) {
    elt.setAttribute('tabindex', '-1')
    elt.addEventListener('blur', function () {
      elt.removeAttribute('tabindex')
    }, { once: true })
  }
  elt.focus()
}

// One swap can fire htmx:load on several new elements; collect what they hold
// and focus the first one in document order once they have all been seen.
let pendingFocus = []
let focusQueued = false
let restoringHistory = false

function queueFocus (elt) {
  const found = elt.matches('[data-focus-on-load]')
    ? [elt]
    : Array.from(elt.querySelectorAll('[data-focus-on-load]'))
  if (found.length === 0) return
  pendingFocus = pendingFocus.concat(found)
  if (focusQueued) return
  focusQueued = true
  window.setTimeout(function () {
    const candidates = pendingFocus.filter(function (el) { return el.isConnected })
    pendingFocus = []
    focusQueued = false
    candidates.sort(function (a, b) {
      return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1
    })
    if (candidates.length > 0) setFocus(candidates[0])
  }, 0)
}

// htmx:load fires on each element htmx adds to the page (after settling),
// whatever the swap style, and once on <body> when htmx starts: the page has
// already been initialised above, so that one is skipped.
body.addEventListener('htmx:load', function (event) {
  const elt = event.detail && event.detail.elt
  if (!(elt instanceof Element) || elt === body) return
  initComponentsIn(elt)
  if (!restoringHistory) queueFocus(elt)
})

// Back/forward through htmx's history cache: drop the stale init markers in
// the restored content and set its components up again. Focus is left alone.
body.addEventListener('htmx:historyCacheHit', function () {
  restoringHistory = true
  // In case another listener cancels the restore
  window.setTimeout(function () { restoringHistory = false }, 0)
})

body.addEventListener('htmx:historyRestore', function (event) {
  restoringHistory = false
  const root = (event.detail && event.detail.historyElt) || body
  root.querySelectorAll('[data-module]').forEach(function (el) {
    const name = el.getAttribute('data-module')
    el.removeAttribute('data-' + name + '-init')
  })
  initAll({ scope: root, onError })
})

// The server puts a busy answer in #app-alerts (HX-Retarget); a new request
// makes it stale, and a second busy answer is announced afresh.
body.addEventListener('htmx:beforeRequest', function () {
  const alerts = document.getElementById('app-alerts')
  if (alerts) alerts.replaceChildren()
})
