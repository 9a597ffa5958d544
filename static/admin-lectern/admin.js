// Django's tabular inlines start each table with an empty header cell (above the rows'
// names) and end it with one (above "Delete?", when there is nothing to delete). An empty
// header reads as nothing to a screen reader: name them.
document.querySelectorAll(".tabular thead th").forEach((cell) => {
  if (cell.textContent.trim()) return;
  const name = document.createElement("span");
  name.className = "lectern-visually-hidden";
  name.textContent = cell.classList.contains("original") ? "Row" : "Actions";
  cell.append(name);
});
