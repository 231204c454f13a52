/* Registers the service worker for signed-in clients; anywhere else (signed out, staff) it
 * removes what the worker kept, so a shared phone keeps no one's plan after signing out. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) {
    return;
  }
  function clearKept() {
    var work = [];
    if (window.caches) {
      work.push(
        caches.keys().then(function (keys) {
          return Promise.all(
            keys.filter(function (key) { return key.indexOf("alliance-") === 0; }).map(function (key) { return caches.delete(key); }),
          );
        }),
      );
    }
    work.push(
      navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
      }),
    );
    return Promise.all(work).catch(function () {});
  }
  if (document.body.getAttribute("data-portal") === "1") {
    // After the page has loaded, so installing (which fetches the two pages) never slows it.
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
    var forms = document.querySelectorAll("form[data-sign-out]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener("submit", function () {
        if (navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage({ type: "clear" });
        }
        clearKept();
      });
    }
  } else {
    clearKept();
  }
})();
