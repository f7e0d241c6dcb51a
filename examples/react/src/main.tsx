import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { openDatabase } from '../../shared/models';
import { App } from './App';

const db = openDatabase('dexorm-example-react');
const root = document.getElementById('root');
if (!root) throw new Error('the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <App db={db} />
  </StrictMode>,
);
