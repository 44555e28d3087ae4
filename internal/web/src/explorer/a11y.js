// Accessibility fixes to GraphiQL's own markup, applied as it renders:
// names for the editors' hidden textareas, keyboard access to the editors'
// scrolling regions, and tabs whose interactive element is the button (not
// a role=tab list item wrapping a button).
const editorNames = [
  ['.graphiql-query-editor', 'Operation editor (GraphQL)'],
  ['.graphiql-response', 'Response (JSON, read only)'],
];

function setAttr(el, name, value) {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

function fix(root) {
  for (const cm of root.querySelectorAll('.CodeMirror')) {
    let name = null;
    for (const [sel, label] of editorNames) if (cm.closest(sel)) name = label;
    if (!name && cm.closest('.graphiql-editor-tool')) {
      const editors = [...cm.closest('.graphiql-editor-tool').querySelectorAll(':scope > .graphiql-editor')];
      name = editors.indexOf(cm.closest('.graphiql-editor')) === 1 ? 'Headers (JSON)' : 'Variables (JSON)';
    }
    const ta = cm.querySelector('textarea');
    if (ta && name) setAttr(ta, 'aria-label', name);
    const scroll = cm.querySelector('.CodeMirror-scroll');
    if (scroll && name) {
      setAttr(scroll, 'tabindex', '0');
      setAttr(scroll, 'role', 'region');
      setAttr(scroll, 'aria-label', name);
    }
  }
  for (const li of root.querySelectorAll('li.graphiql-tab')) {
    const button = li.querySelector('button.graphiql-tab-button');
    if (!button) continue;
    const selected = li.getAttribute('aria-selected') ?? button.getAttribute('aria-selected') ?? 'false';
    setAttr(li, 'role', 'presentation');
    setAttr(li, 'aria-selected', null);
    setAttr(button, 'role', 'tab');
    setAttr(button, 'aria-selected', selected);
  }
}

/** patchA11y keeps GraphiQL's markup under root accessible as it changes. */
export function patchA11y(root) {
  fix(root);
  new MutationObserver(() => fix(root)).observe(root, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['aria-selected', 'class'],
  });
}
