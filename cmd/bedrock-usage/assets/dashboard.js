// The dashboard's script: it updates the page in place when a filter changes, keeping the
// URL equal to the filters so that a view can be shared. Without it the filter bar is a
// plain GET form and every link a plain link; the script only saves the reload.
(function () {
  "use strict";
  var seq = 0;

  // query is the form's filters as a query string, without the empty ones.
  function query(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (String(value).trim() !== "") params.append(name, String(value).trim());
    });
    var s = params.toString();
    return s ? "?" + s : location.pathname;
  }

  function load(url, push) {
    var mine = ++seq;
    document.body.setAttribute("data-loading", "");
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (resp) {
        return resp.text().then(function (text) { return { ok: resp.ok, text: text }; });
      })
      .then(function (r) {
        if (mine !== seq) return; // a later request won
        if (!r.ok) {
          showError(r.text);
          return;
        }
        var doc = new DOMParser().parseFromString(r.text, "text/html");
        var page = doc.getElementById("page");
        if (!page) {
          showError("the answer is not a dashboard page");
          return;
        }
        document.getElementById("page").replaceWith(document.importNode(page, true));
        document.title = doc.title;
        if (push) history.pushState(null, "", url);
        document.body.setAttribute("data-loaded", String(mine));
      })
      .catch(function (err) {
        if (mine === seq) showError(String(err));
      })
      .finally(function () {
        if (mine === seq) document.body.removeAttribute("data-loading");
      });
  }

  function showError(text) {
    var box = document.getElementById("load-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "load-error";
      box.className = "fail";
      document.getElementById("page").prepend(box);
    }
    box.textContent = "Could not update the report: " + text.trim();
  }

  document.addEventListener("submit", function (e) {
    if (e.target.id !== "filters") return;
    e.preventDefault();
    load(query(e.target), true);
  });
  document.addEventListener("change", function (e) {
    var form = document.getElementById("filters");
    // selects and check boxes apply at once; text fields on Enter or Apply
    if (form && e.target.form === form && (e.target.tagName === "SELECT" || e.target.type === "checkbox")) {
      load(query(form), true);
    }
  });
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-nav]");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    load(a.getAttribute("href"), true);
  });
  window.addEventListener("popstate", function () {
    load(location.pathname + location.search, false);
  });
})();
