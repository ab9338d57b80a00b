/* 办件 pages: small progressive enhancement; every page works without this file.
 * The case page's action forms are boosted by htmx (no full reload); a refused action comes back as the
 * page with the error shown (403 no permission, 409 conflict such as a stale version, 422 field errors),
 * which htmx would otherwise not swap in. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 403 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
