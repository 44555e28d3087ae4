// The developers' explorer (placeholder).
import './explorer.css';

document.querySelector('#explorer p').textContent = 'GraphiQL is on its way.';
