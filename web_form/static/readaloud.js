/* Read the page aloud: a progressive enhancement. The button stays hidden unless this browser
   has a speech voice for the page's language, so it never appears and does nothing
   (most phones, and every browser in Tibetan, have no voice for some of our languages). */
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || !("SpeechSynthesisUtterance" in window)) { return; }
  var button = document.querySelector(".read-aloud");
  if (!button) { return; }
  var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
  var primary = lang.split("-")[0];
  var readLabel = button.textContent;
  var stopLabel = button.getAttribute("data-stop") || readLabel;

  function voiceFor() {
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      var tag = (voices[i].lang || "").toLowerCase().replace("_", "-");
      if (tag.split("-")[0] !== primary) { continue; }
      // Simplified Chinese: a zh-CN / zh-Hans / cmn voice, not Cantonese (zh-HK) or zh-TW.
      if (primary === "zh" && /-(hk|tw|mo|hant)/.test(tag)) { continue; }
      return voices[i];
    }
    return null;
  }

  function text() {
    var main = document.getElementById("main");
    var clone = main.cloneNode(true);
    var skip = clone.querySelectorAll(".read-aloud-row, .visually-hidden, .hp, script");
    for (var i = 0; i < skip.length; i++) { skip[i].parentNode.removeChild(skip[i]); }
    return clone.textContent.replace(/\s+/g, " ").trim();
  }

  function setUp() {
    var voice = voiceFor();
    if (!voice) { button.hidden = true; return; }
    button.hidden = false;
    button.onclick = function () {
      if (window.speechSynthesis.speaking) {
        window.speechSynthesis.cancel();
        button.textContent = readLabel;
        return;
      }
      var utterance = new SpeechSynthesisUtterance(text());
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.rate = 0.9;
      utterance.onend = function () { button.textContent = readLabel; };
      button.textContent = stopLabel;
      window.speechSynthesis.speak(utterance);
    };
  }

  setUp();
  if ("onvoiceschanged" in window.speechSynthesis) {
    window.speechSynthesis.addEventListener("voiceschanged", setUp);
  }
}());
