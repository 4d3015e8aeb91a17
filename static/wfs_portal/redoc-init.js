// Starts Redoc on /api/redoc/ from a static file, so that the page needs no inline script: the
// schema URL and Redoc's options come from the container's data attributes. Redoc writes its styles
// into <style> elements and puts the nonce it is given on them; this script's own nonce is the one
// the page's Content-Security-Policy allows for styles.
(function () {
  "use strict";
  var script = document.currentScript;
  var container = document.getElementById("redoc-container");
  var options = JSON.parse(container.getAttribute("data-options") || "{}");
  if (script && script.nonce) {
    options.nonce = script.nonce;
  }

  // Redoc's side menu always shows the Redocly logo from Redocly's CDN. The page loads nothing from
  // other hosts (the policy would block it and report a violation): an image source on another origin
  // is not set, and that image is hidden.
  function foreign(url) {
    url = String(url);
    return !/^(data|blob):/i.test(url) && new URL(url, document.baseURI).origin !== window.location.origin;
  }
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      if (foreign(value)) {
        this.hidden = true;
      } else {
        src.set.call(this, value);
      }
    },
  });
  var setAttribute = Element.prototype.setAttribute;
  HTMLImageElement.prototype.setAttribute = function (name, value) {
    if (String(name).toLowerCase() === "src" && foreign(value)) {
      this.hidden = true;
      return undefined;
    }
    return setAttribute.call(this, name, value);
  };

  Redoc.init(container.getAttribute("data-spec-url"), options, container);
})();
