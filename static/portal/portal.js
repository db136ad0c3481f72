// Small progressive enhancements; every page works without them.
(() => {
  // WCAG 2 relative luminance and contrast, as in ecosystem/portal/selectors.py.
  const DARK_TEXT = "#111827";
  const LIGHT_TEXT = "#ffffff";
  const HEX = /^#?[0-9a-f]{6}$/i;

  const normalise = (value) => {
    const text = (value || "").trim().toLowerCase();
    if (!HEX.test(text)) return null;
    return text.startsWith("#") ? text : "#" + text;
  };
  const luminance = (hex) => {
    const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const linear = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  };
  const contrast = (first, second) => {
    const [lighter, darker] = [luminance(first), luminance(second)].sort((a, b) => b - a);
    return (lighter + 0.05) / (darker + 0.05);
  };
  const readableText = (hex) => {
    const value = luminance(hex);
    return (value + 0.05) / 0.05 > 1.05 / (value + 0.05) ? DARK_TEXT : LIGHT_TEXT;
  };

  function initNavigation() {
    const toggle = document.querySelector("[data-nav-toggle]");
    const nav = document.getElementById("primary-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", () => {
        const open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", String(open));
      });
    }
  }

  // Bar charts: widths come from data attributes (no inline styles under our CSP).
  function initBars(root) {
    root.querySelectorAll("[data-percent]").forEach((bar) => {
      bar.style.setProperty("--percent", bar.dataset.percent + "%");
    });
  }

  // Plain (non-HTMX) forms that need a second thought: <form data-confirm="question">.
  function initConfirmations() {
    document.addEventListener("submit", (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }

  // Branding settings: colour pickers beside the text fields, a live preview, and the
  // same contrast warning the server gives.
  function initBranding() {
    const form = document.querySelector("[data-branding-form]");
    const preview = document.querySelector("[data-brand-preview]");
    if (!form) return;
    const warning = form.querySelector("[data-contrast-warning]");
    const warningText = form.querySelector("[data-contrast-text]");
    const field = (name) => form.querySelector(`[name="${name}"]`);

    const update = () => {
      const primary = normalise(field("primary_colour")?.value);
      const accent = normalise(field("accent_colour")?.value);
      if (preview && primary) {
        const text = readableText(primary);
        preview.style.setProperty("--brand-primary", primary);
        preview.style.setProperty("--brand-on-primary", text);
        if (warning && warningText) {
          const ratio = contrast(primary, text);
          warning.hidden = ratio >= 4.5;
          warningText.textContent = preview.dataset.contrastTemplate.replace(
            "RATIO", (Math.round(ratio * 100) / 100).toString()
          );
        }
      }
      if (preview && accent) preview.style.setProperty("--brand-accent", accent);
      const name = field("name");
      const shownName = preview?.querySelector("[data-preview-name]");
      if (name && shownName && name.value.trim()) shownName.textContent = name.value.trim();
    };

    form.querySelectorAll("[data-colour-picker]").forEach((picker) => {
      const text = document.getElementById(picker.dataset.colourPicker);
      if (!text) return;
      picker.hidden = false;
      const initial = normalise(text.value);
      if (initial) picker.value = initial;
      picker.addEventListener("input", () => {
        text.value = picker.value;
        update();
      });
      text.addEventListener("input", () => {
        const value = normalise(text.value);
        if (value) picker.value = value;
        update();
      });
    });
    field("name")?.addEventListener("input", update);
    update();
  }

  // "Copy" buttons for values shown once (new API tokens).
  function initCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach((button) => {
      const source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(source.textContent.trim());
          button.textContent = button.dataset.copiedLabel || button.textContent;
        } catch {
          const range = document.createRange();
          range.selectNodeContents(source);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    initNavigation();
    initBars(document);
    initConfirmations();
    initBranding();
    initCopyButtons();
  });
  // Content swapped in by HTMX gets the same treatment.
  document.addEventListener("htmx:afterSettle", (event) => initBars(event.target));
})();
