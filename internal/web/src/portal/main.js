// The citizens' portal (placeholder until the portal lands).
import { icon } from '../shared/italia.js';

const main = document.getElementById('main');
main.querySelector('p').textContent = 'Il portale dei servizi è in preparazione.';
main.insertAdjacentHTML('beforeend', `<p><svg class="icon icon-primary" aria-hidden="true"><use href="${icon('it-pa')}"></use></svg> Comune di Milano</p>`);
