// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-nav-toggle]");
  const nav = document.getElementById("primary-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // Bar charts: widths come from data attributes (no inline styles under our CSP).
  document.querySelectorAll("[data-percent]").forEach((bar) => {
    bar.style.setProperty("--percent", bar.dataset.percent + "%");
  });
});
