/* global SimpleWebAuthnBrowser, document, window, fetch */
// Passkey buttons of the sign-in pages: data-options names where to get the WebAuthn options,
// data-verify where to send the browser's answer; on success the page follows `location`. The
// buttons stay hidden where the browser has no WebAuthn (the other ways to sign in remain).
if (window.PublicKeyCredential && typeof SimpleWebAuthnBrowser !== 'undefined') {
  for (const button of document.querySelectorAll('[data-passkey]')) {
    const status = document.getElementById(button.dataset.status);
    button.hidden = false;
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.textContent = '';
      try {
        const post = (url, body) =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            credentials: 'same-origin',
            body: JSON.stringify(body),
          });
        const options = await (await post(button.dataset.options, {})).json();
        const response = await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options });
        const answer = await (await post(button.dataset.verify, response)).json();
        if (answer.location) {
          window.location.assign(answer.location);
          return;
        }
        status.textContent = answer.message || button.dataset.failed;
      } catch {
        status.textContent = button.dataset.failed;
      }
      button.disabled = false;
    });
  }
}

// "Add a passkey" on the account page: data-csrf is sent as X-CSRF-Token, data-name names the
// field holding the passkey's name.
if (window.PublicKeyCredential && typeof SimpleWebAuthnBrowser !== 'undefined') {
  for (const button of document.querySelectorAll('[data-passkey-register]')) {
    const status = document.getElementById(button.dataset.status);
    button.hidden = false;
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.textContent = '';
      const post = (url, body) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': button.dataset.csrf },
          credentials: 'same-origin',
          body: JSON.stringify(body),
        });
      try {
        const options = await (await post(button.dataset.options, {})).json();
        const response = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options });
        const name = document.getElementById(button.dataset.name).value;
        const answer = await (await post(button.dataset.verify, { ...response, name })).json();
        if (answer.location) {
          window.location.assign(answer.location);
          return;
        }
        status.textContent = answer.message || button.dataset.failed;
      } catch {
        status.textContent = button.dataset.failed;
      }
      button.disabled = false;
    });
  }
}
