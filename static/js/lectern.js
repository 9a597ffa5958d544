// After htmx swaps a page into <main>, behave like a page load: start at the top and move
// keyboard and screen-reader focus to the new content.
document.addEventListener("htmx:afterSettle", (event) => {
  const main = document.getElementById("main");
  if (event.detail.target !== main) return;
  window.scrollTo(0, 0);
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  } else {
    main.focus({ preventScroll: true });
  }
});
