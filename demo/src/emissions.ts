import { h } from './dom';

/** A visible count of the values one live subscription has delivered. */
export class EmissionCounter {
  readonly element: HTMLElement;
  readonly #value: HTMLOutputElement;
  readonly #unit = h('span', { text: ' emissions' });
  #count = 0;

  constructor(testid: string) {
    this.#value = h('output', { testid, text: '0' });
    this.element = h('span', { class: 'emissions', attrs: { title: 'values received so far' } }, [
      this.#value,
      this.#unit,
    ]);
  }

  /** Starts again from zero, for a new subscription. */
  reset(): void {
    this.#count = 0;
    this.#show();
  }

  /** Counts one emission and flashes the badge so that the update is seen. */
  tick(): void {
    this.#count += 1;
    this.#show();
    this.element.classList.remove('flash');
    // Reading layout restarts the CSS animation for back-to-back emissions.
    void this.element.offsetWidth;
    this.element.classList.add('flash');
  }

  #show(): void {
    this.#value.textContent = String(this.#count);
    this.#unit.textContent = this.#count === 1 ? ' emission' : ' emissions';
  }
}
