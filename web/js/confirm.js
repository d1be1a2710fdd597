// SPDX-License-Identifier: Apache-2.0
// Every operator action asks first, in a modal <dialog>: the browser keeps
// focus inside it, Escape cancels, and focus returns where it was: to the
// same control, or, if the view was built again meanwhile, to its twin.
import { focusKey, findKey } from './dom.js';

export function confirmAction(title, textContent, okLabel) {
  const dlg = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = textContent;
  document.getElementById('confirm-ok').textContent = okLabel;
  const back = document.activeElement;
  const view = document.getElementById('view');
  const key = focusKey(view, back);
  dlg.returnValue = 'cancel';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      const to = back && back.isConnected ? back : findKey(view, key);
      if (to && to.focus) to.focus();
      resolve(dlg.returnValue === 'ok');
    }, { once: true });
    dlg.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}
