// "Try on the sample" without reloading the page: the same POST, answered with the
// preview alone (the server sends the whole page when this script does not run).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("redaction-settings");
  const target = document.getElementById("redaction-preview");
  if (!form || !target) return;
  form.addEventListener("submit", async (event) => {
    if (!event.submitter || event.submitter.name !== "preview") return;
    event.preventDefault();
    const body = new FormData(form);
    body.set("preview", "1");
    const response = await fetch(form.action || window.location.href, {
      method: "POST",
      body,
      headers: { "X-Preview": "1" },
      credentials: "same-origin",
    });
    target.innerHTML = await response.text();
  });
});
