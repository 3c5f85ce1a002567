// Files in the composer: chosen, dropped anywhere on the page, or pasted (a
// screenshot). Text alone goes over the socket; with files the composer
// posts over HTTP, as it does without JavaScript, showing the upload's
// progress, and the server answers with the composer, emptied or with its
// error. The message itself arrives over the socket, like any other.
(() => {
  const fileInput = () => document.getElementById("composer-files");
  let uploading = false;

  function addFiles(files) {
    const input = fileInput();
    if (!input || !files.length) return false;
    const all = new DataTransfer();
    for (const file of [...input.files, ...files]) all.items.add(file);
    input.files = all.files;
    return true;
  }

  document.addEventListener("paste", (event) => {
    if (event.target.id !== "composer-message") return;
    const added = addFiles([...event.clipboardData.files]);
    // A picture alone is not pasted into the text as well.
    if (added && !event.clipboardData.getData("text/plain")) event.preventDefault();
  });

  const carriesFiles = (event) => fileInput() && event.dataTransfer?.types.includes("Files");
  document.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // allows the drop
    document.body.dataset.dropping = "";
  });
  document.addEventListener("dragleave", (event) => {
    if (event.relatedTarget === null) delete document.body.dataset.dropping;
  });
  document.addEventListener("drop", (event) => {
    delete document.body.dataset.dropping;
    if (!carriesFiles(event)) return;
    event.preventDefault();
    addFiles([...event.dataTransfer.files]);
    document.getElementById("composer-message").focus();
  });

  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    const form = event.target;
    if (form.id !== "composer") return;
    if (uploading) {
      event.detail.cancelled = true; // one upload at a time
      return;
    }
    const editing = document.getElementById("composer-message").dataset.editing;
    if (event.detail.cancelled || editing || !fileInput().files.length) return;
    event.detail.cancelled = true;
    upload(form);
  });

  // The form's own token may predate a sign-in over the socket, which
  // rotates it; the cookie holds the current one.
  const csrfToken = () => document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)?.[1] ?? "";

  function upload(form) {
    const progress = document.getElementById("upload-progress");
    const text = document.getElementById("composer-message").value;
    const body = new FormData(form);
    body.delete("csrfmiddlewaretoken");
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("HX-Request", "true");
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      progress.hidden = false;
      progress.value = Math.round((100 * event.loaded) / event.total);
    });
    request.addEventListener("loadend", async () => {
      uploading = false;
      progress.hidden = true;
      progress.value = 0;
      // The composer, emptied (200) or with its error (400); anything else,
      // a sign-in page after a redirect say, is a failure to say so.
      const answered = [200, 400].includes(request.status) && !request.getResponseHeader("Location")
        && new URL(request.responseURL).pathname === new URL(form.action, location.href).pathname
        && request.responseText.includes("<hx-partial");
      if (!answered) {
        document.getElementById("composer-error").textContent = form.dataset.uploadFailed;
        return;
      }
      if (request.status === 200) fileInput().value = "";
      const answer = { sourceElement: form, target: form, swap: "none", transition: false };
      await htmx.swap({ ...answer, text: request.responseText });
    });
    uploading = true;
    // Typed after Enter, text survives the emptied composer (composer.js).
    document.dispatchEvent(new CustomEvent("composer:sent", { detail: text }));
    request.send(body);
  }
})();
