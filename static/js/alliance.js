// Alliance's page behaviour, served as a static file so the Content-Security-Policy can
// forbid inline script and eval (htmx's hx-on attributes need eval, so none are used).
(function () {
  "use strict";

  // A form marked data-swap-errors shows the server's 400/409 fragment (a validation error or
  // a version conflict on an autosaved note) in its target instead of dropping it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var form = source && source.closest ? source.closest("[data-swap-errors]") : null;
    var status = event.detail.xhr.status;
    if (form && (status === 400 || status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Calendar blocks carry their position as data-style (top, height, lanes): the policy
  // forbids style attributes in markup, not styles set through the CSSOM, so they are
  // applied here once the page has loaded.
  function applyDataStyles(root) {
    var nodes = (root || document).querySelectorAll("[data-style]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].style.cssText = nodes[i].getAttribute("data-style");
    }
  }
  document.addEventListener("DOMContentLoaded", function () { applyDataStyles(document); });
  document.addEventListener("htmx:afterSwap", function (event) { applyDataStyles(event.target); });
})();

// Marks the main-menu link of the current section (aria-current="page"), so the menu shows
// where you are; the longest matching link wins (/clients/ over /).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var links = document.querySelectorAll(".topbar nav a[href]");
    var path = window.location.pathname, best = null, bestLength = 0;
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href");
      if (href && (href === path || (href !== "/" && path.indexOf(href) === 0)) && href.length > bestLength) {
        best = links[i];
        bestLength = href.length;
      }
    }
    if (best && !document.querySelector('.topbar nav a[aria-current]')) best.setAttribute("aria-current", "page");
  });
})();
