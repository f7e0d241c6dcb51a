import { button, h } from './dom';
import { db } from './models';
import { attempt } from './notice';

/**
 * Export (downloads every record as a JSON file, `db.export()`) and import (reads such a file
 * back, replacing what is stored, `db.import(file, { clear: true })`).
 */
export function backupTools(): HTMLElement[] {
  const exporter = button('Export', 'export', 'plain');
  exporter.addEventListener('click', () => {
    void attempt(async () => {
      const blob = await db.export();
      const link = h('a', {
        attrs: { href: URL.createObjectURL(blob), download: `${db.name}.json` },
      });
      link.click();
      URL.revokeObjectURL(link.href);
    });
  });
  const file = h('input', {
    testid: 'import-file',
    class: 'visually-hidden',
    attrs: { type: 'file', accept: 'application/json,.json' },
  });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (chosen) void attempt(() => db.import(chosen, { clear: true }));
  });
  const importer = button('Import…', 'import', 'plain');
  importer.addEventListener('click', () => file.click());
  return [exporter, importer, file];
}
