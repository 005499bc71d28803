// Keep the rating slider and the number field of the review form in step.
// The number field starts empty for a new review: no score until one is picked.
document.querySelectorAll("input[data-sync]").forEach(function (range) {
  var number = document.getElementById(range.dataset.sync);
  if (!number) return;
  range.addEventListener("input", function () { number.value = range.value; range.classList.remove("rating-range--unset"); });
  number.addEventListener("input", function () {
    if (number.value !== "") { range.value = number.value; range.classList.remove("rating-range--unset"); }
  });
});
