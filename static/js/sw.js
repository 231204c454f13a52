/* Alliance service worker: keeps the "Help now" page and the client's safety plan available
 * with no network, and nothing else clinical. Network first, so the plan stays current; the
 * cached copy is used only when the network fails. Signing out clears the cache (pwa.js). */
"use strict";

const CACHE = "alliance-help-v1";
// The only pages ever stored: the crisis page and the safety plan page.
const PAGES = ["/portal/crisis/", "/portal/safety-plan/"];
const STYLESHEET = "__STYLESHEET__";
const CRISIS_PAGE = PAGES[0];

async function store(cache, key, response) {
  // A redirect (signed out) or an error page is never kept, and drops what was kept.
  if (response && response.ok && response.status === 200 && response.type === "basic") {
    await cache.put(key, response.clone());
  } else if (response && PAGES.includes(key)) {
    await cache.delete(key);
  }
  return response;
}

async function precache() {
  const cache = await caches.open(CACHE);
  // One after another: a gentle load on the server, and no two reads racing for one database.
  for (const url of [...PAGES, STYLESHEET]) {
    try {
      const response = await fetch(url, { credentials: "same-origin", redirect: "manual", cache: "no-store" });
      await store(cache, url, response);
    } catch (error) {
      /* offline while installing: the next visit fills the cache */
    }
  }
}

self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keys = await caches.keys();
      await Promise.all(keys.filter((key) => key.startsWith("alliance-") && key !== CACHE).map((key) => caches.delete(key)));
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    return await store(cache, key, response);
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) {
      return cached;
    }
    throw error;
  }
}

async function portalFallback(request) {
  try {
    return await fetch(request);
  } catch (error) {
    // Offline on another portal page: show the crisis page (with the plan) if it is kept.
    const cached = await caches.match(CRISIS_PAGE, { cacheName: CACHE });
    if (cached) {
      return cached;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (PAGES.includes(url.pathname) && !url.search) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (url.pathname === STYLESHEET) {
    event.respondWith(networkFirst(request, STYLESHEET));
  } else if (request.mode === "navigate" && url.pathname.startsWith("/portal/")) {
    event.respondWith(portalFallback(request));
  }
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear") {
    event.waitUntil(caches.delete(CACHE));
  }
});
