import { cloneValue, defineValue, type Row } from './values.js';

/** A copy of `row` with `changes` applied (an undefined change removes the attribute). */
export function withChanges(row: Row, changes: Row): Row {
  const updated: Row = {};
  for (const name of Object.keys(row)) defineValue(updated, name, row[name]);
  for (const name of Object.keys(changes)) {
    if (changes[name] === undefined) delete updated[name];
    else defineValue(updated, name, changes[name]);
  }
  return updated;
}

/** A copy of a record whose nested values are independent of the model's. */
export function snapshot(record: Row): Row {
  const copy: Row = {};
  for (const name of Object.keys(record)) defineValue(copy, name, cloneValue(record[name]));
  return copy;
}
