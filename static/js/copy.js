// Copy buttons for links an administrator hands out. Without JavaScript the
// field is still there to select and copy by hand, so the buttons start
// hidden and are shown here. Each says its "Copied" in data-copied, in the
// page's language.
for (const button of document.querySelectorAll("button.copy-button[data-copy]")) {
  const field = document.querySelector(button.dataset.copy);
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(field.value);
    button.textContent = button.dataset.copied;
  });
}
