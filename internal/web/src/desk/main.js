// The operators' desk (placeholder).
import '../shared/italia.js';

document.querySelector('#main p').textContent = 'La scrivania degli operatori è in preparazione.';
