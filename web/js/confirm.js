// SPDX-License-Identifier: Apache-2.0
// Every operator action asks first, in a modal <dialog>: the browser keeps
// focus inside it, Escape cancels, and focus returns where it was.
export function confirmAction(title, textContent, okLabel) {
  const dlg = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = textContent;
  document.getElementById('confirm-ok').textContent = okLabel;
  const back = document.activeElement;
  dlg.returnValue = 'cancel';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      if (back && back.focus) back.focus();
      resolve(dlg.returnValue === 'ok');
    }, { once: true });
    dlg.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}
