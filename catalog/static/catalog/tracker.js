// Keep the rating slider and the number field of the review form in step.
document.querySelectorAll("input[data-sync]").forEach(function (range) {
  var number = document.getElementById(range.dataset.sync);
  if (!number) return;
  range.addEventListener("input", function () { number.value = range.value; });
  number.addEventListener("input", function () { if (number.value !== "") range.value = number.value; });
});
