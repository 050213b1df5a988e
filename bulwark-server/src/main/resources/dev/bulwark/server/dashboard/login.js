// Shows the sign-in error the server reported with ?error=invalid.
if (new URLSearchParams(location.search).get('error') === 'invalid') {
  document.getElementById('error').hidden = false;
}
