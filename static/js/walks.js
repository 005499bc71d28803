// Walks: the site's one script, loaded in <head> on every page. The CSP
// allows no inline script or on*= handler: behaviour hangs on data-* hooks.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", function () {
  // Phone menu: a button with aria-expanded; Escape closes it and gives the
  // focus back to the button.
  var toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    var setOpen = function (open) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); };
    toggle.addEventListener("click", function () { setOpen(toggle.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // <form data-confirm="Question?">: ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // <select data-autosubmit>: choosing submits the form (a button remains for no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // <button data-copy="#selector">: copy that element's text, then reveal [data-copied].
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var box = document.querySelector(btn.getAttribute("data-copy"));
      var done = btn.parentNode.querySelector("[data-copied]");
      if (!box || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(box.textContent.trim()).then(function () { if (done) { done.hidden = false; } });
    });
  });

  // <input type=file data-max-bytes=N data-too-big="message" [data-preview="#img"]>:
  // refuse an oversized file before uploading it, and preview the chosen image.
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var note = document.createElement("p");
    note.className = "file-note";
    note.setAttribute("role", "alert");
    note.hidden = true;
    input.insertAdjacentElement("afterend", note);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var tooBig = file && file.size > parseInt(input.getAttribute("data-max-bytes"), 10);
      note.hidden = !tooBig;
      note.textContent = tooBig ? input.getAttribute("data-too-big") : "";
      input.setCustomValidity(tooBig ? input.getAttribute("data-too-big") : "");
      if (tooBig) { input.value = ""; }
      var preview = input.getAttribute("data-preview") && document.querySelector(input.getAttribute("data-preview"));
      if (preview && file && !tooBig) { preview.src = URL.createObjectURL(file); preview.hidden = false; }
    });
  });

  // A confirmation after a save that led back to an anchor (#my-review) is
  // shown there, where the person is looking, not at the top of the page.
  var flashes = document.querySelector(".flashes");
  var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (flashes && target && target.contains && !target.contains(flashes)) {
    var heading = target.querySelector("h1, h2, h3");
    if (heading && heading.parentNode === target) { heading.insertAdjacentElement("afterend", flashes); }
    else { target.insertBefore(flashes, target.firstChild); }
    flashes.classList.add("flashes--inline");
    target.scrollIntoView();
  }
});
