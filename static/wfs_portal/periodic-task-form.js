// The periodic task form of django-celery-beat: shows the readable form of the chosen crontab under
// its help text (the package does this in an inline script, which the Content-Security-Policy blocks).
(function ($) {
  "use strict";
  var readableCrontabs = JSON.parse(document.getElementById("readable-crontabs").textContent);
  var help = $(".field-crontab .help");
  var originalHelp = help.html();

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var readable = readableCrontabs[$("#id_crontab").val()];
    help.html(originalHelp);
    if (readable) {
      help.append($("<br>"), document.createTextNode("Translation: " + readable));
    }
  });
})(django.jQuery);
