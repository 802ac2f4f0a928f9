// Pronto technician pages: readable offline once opened. Pages go to the network first and
// fall back to the copy kept from the last visit; static files come from the cache first.
// API calls are never cached: the page's own queue (technician.js) retries them.
// Pages are kept across versions of this worker (what the technician opened stays readable);
// static files are kept per version, named after their contents.
const PAGES = "pronto-m-pages";
const STATIC = "pronto-m-static-{{ version }}";
const ASSETS = [{% for asset in assets %}"{{ asset }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(ASSETS)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== PAGES && key !== STATIC).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

// Signing out (technician.js, before the form leaves): drop every copy kept, so that the next
// technician on a shared phone never reads this one's pages. The sign-out answer also says
// Clear-Site-Data; this is for a browser that ignores it.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "sign-out") {
    return;
  }
  const done = caches.keys().then((keys) => Promise.all(keys.map((key) => caches.delete(key))));
  event.waitUntil(done.then(() => event.source && event.source.postMessage({type: "signed-out"})));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(PAGES).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request).then((hit) => hit || caches.match("/m/")))
  );
});
