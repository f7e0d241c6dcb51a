/** Attributes and properties `h()` can set; text always goes through `textContent`. */
export interface Props {
  class?: string;
  testid?: string;
  text?: string;
  attrs?: Record<string, string>;
}

/** Creates an element; children are elements or strings (added as text nodes, never parsed). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  children: readonly (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.testid) element.dataset.testid = props.testid;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A labelled form field. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLTextAreaElement,
): HTMLLabelElement {
  return h('label', { class: 'field' }, [h('span', { text: label }), control]);
}

/** A text input with a stable test id. */
export function input(testid: string, placeholder: string, type = 'text'): HTMLInputElement {
  const element = h('input', { testid, attrs: { type, placeholder, autocomplete: 'off' } });
  return element;
}

/** A button; `variant` picks its look (`primary`, `danger`, or plain). */
export function button(
  text: string,
  testid: string,
  variant: 'primary' | 'danger' | 'plain' = 'plain',
  type: 'button' | 'submit' = 'button',
): HTMLButtonElement {
  return h('button', { text, testid, class: `btn btn-${variant}`, attrs: { type } });
}
