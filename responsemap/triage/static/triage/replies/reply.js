// The reply form: a template fills the text; the count says how many characters and
// SMS segments it makes (GSM-7: 160, then 153 each; otherwise 70, then 67 each).
(function () {
  "use strict";
  var form = document.getElementById("reply-form");
  if (!form) return;
  var text = document.getElementById("id_reply_text");
  var picker = document.getElementById("id_reply_template");
  var count = document.getElementById("reply-count");
  var gsm = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var ext = "^{}\\[~]|€\f";
  var words = form.dataset;
  function segments(value) {
    var units = 0, plain = true, i, ch;
    for (i = 0; i < value.length; i++) {
      ch = value.charAt(i);
      if (gsm.indexOf(ch) >= 0) units += 1;
      else if (ext.indexOf(ch) >= 0) units += 2;
      else { plain = false; break; }
    }
    if (!plain) units = value.length;
    var single = plain ? 160 : 70, multi = plain ? 153 : 67;
    if (!value.length) return 0;
    return units <= single ? 1 : Math.ceil(units / multi);
  }
  function update() {
    var template = words.countText || "{chars} characters, {segments} SMS";
    count.textContent = template
      .replace("{chars}", text.value.length.toLocaleString(document.documentElement.lang))
      .replace("{segments}", segments(text.value).toLocaleString(document.documentElement.lang));
  }
  if (picker) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (option && option.dataset.text !== undefined) text.value = option.dataset.text;
      update();
    });
  }
  text.addEventListener("input", update);
  update();
})();
