// Advocate: progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  // Copy-to-clipboard buttons: <button data-copy="text">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
  // Confirm before destructive actions: <form data-confirm="Are you sure?">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
// Evidence upload: drag and drop onto [data-dropzone], and a progress bar while a large file
// goes up (XMLHttpRequest upload progress). Without this file the form posts normally.
(function () {
  "use strict";
  if (!window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }
  function uploadForm(node) { return node && node.closest && node.closest("form[data-upload]"); }
  function say(form, text) {
    var status = form.querySelector("[data-upload-status]");
    if (status) { status.textContent = text; }
  }
  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.add("is-over");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) { zone.classList.remove("is-over"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("is-over");
    var input = zone.querySelector("input[type=file]");
    if (input && event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      say(uploadForm(zone), "Ready to upload: " + input.files[0].name);
    }
  });
  document.addEventListener("submit", function (event) {
    var form = uploadForm(event.target);
    if (!form || event.defaultPrevented) { return; }
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (file && max && file.size > max) {
      event.preventDefault();
      say(form, form.getAttribute("data-too-large"));
      return;
    }
    if (!file) { return; }  // let the server explain what is missing
    event.preventDefault();
    var bar = form.querySelector("[data-upload-progress]");
    var button = form.querySelector("[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    if (bar) { bar.classList.remove("d-none"); bar.value = 0; }
    if (button) { button.disabled = true; }
    xhr.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) { return; }
      var percent = Math.floor(100 * progress.loaded / progress.total);
      if (bar) { bar.value = percent; }
      say(form, "Uploading… " + percent + "%");
    });
    xhr.addEventListener("load", function () {
      var location = xhr.getResponseHeader("Location");
      if (xhr.status === 201 && location) { window.location.assign(location); return; }
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var main = page.getElementById("main");
      if (main) {
        document.getElementById("main").replaceWith(main);
        document.title = page.title;
      } else {
        if (button) { button.disabled = false; }
        say(form, "The upload failed (" + xhr.status + "). Nothing was stored.");
      }
    });
    xhr.addEventListener("error", function () {
      if (button) { button.disabled = false; }
      if (bar) { bar.classList.add("d-none"); }
      say(form, "The upload was interrupted. Nothing was stored; please try again.");
    });
    say(form, "Uploading…");
    xhr.send(new FormData(form));
  });
})();
