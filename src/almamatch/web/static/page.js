// almamatch page: a little help on top of a form that works without it.
// Picking an example fills the text box with the example's record; submitting swaps the result
// in without reloading the page (the server renders it; on any error the form posts as usual).
"use strict";
(function () {
  const form = document.getElementById("decide-form");
  const example = document.getElementById("example");
  const record = document.getElementById("record");
  if (!form) return;
  if (example && record) {
    example.addEventListener("change", function () {
      const option = example.options[example.selectedIndex];
      record.value = option.dataset.record || "";
    });
    // Text typed or pasted is the record to send: the example is no longer picked.
    record.addEventListener("input", function () { example.value = ""; });
  }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await fetch(form.action, { method: "POST", body: new FormData(form) });
      const page = new DOMParser().parseFromString(await answer.text(), "text/html");
      const fresh = page.getElementById("result");
      if (!fresh) throw new Error("no result in the answer");
      document.getElementById("result").replaceWith(fresh);
      const heading = document.getElementById("result-heading");
      if (heading) { heading.focus(); heading.scrollIntoView({ block: "start" }); }
    } catch (error) {
      form.submit();
    } finally {
      button.disabled = false;
    }
  });
})();
