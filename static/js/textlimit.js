/* Live character counter for long texts (fields with data-maxlength; the limit itself is
   already written under the field by the page, and the server refuses anything longer).
   Counts as the server does: trimmed, a line break as one character. No HTML maxlength:
   a pasted text over the limit stays whole and visible, marked, instead of being cut. */
(function () {
  "use strict";

  function count(field) {
    return field.value.replace(/\r\n?/g, "\n").trim().length;
  }

  function update(field, note, max) {
    var used = count(field);
    var over = used - max;
    note.textContent = over > 0
      ? "最多 " + max + " 字，已输入 " + used + " 字，超出 " + over + " 字，请删减后再提交。"
      : "最多 " + max + " 字，已输入 " + used + " 字。";
    note.classList.toggle("char-limit--over", over > 0);
  }

  function attach(field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    var note = document.getElementById(field.id + "-limit");
    if (!max || !note) {
      return;
    }
    field.addEventListener("input", function () { update(field, note, max); });
    update(field, note, max);
  }

  document.querySelectorAll("[data-maxlength]").forEach(attach);
})();
