// Bootstrap Italia for the portal and the desk: its stylesheet and fonts
// (bundled, no CDN), its components' JavaScript, and the URL of its icon
// sprite (<svg class="icon"><use href={icon('it-user')}/></svg>).
import './italia.css';
import spritesUrl from 'bootstrap-italia/dist/svg/sprites.svg';

export * from 'bootstrap-italia';

/** icon returns the href of a Bootstrap Italia icon in the bundled sprite. */
export function icon(name) {
  return `${spritesUrl}#${name}`;
}

/** config fetches the server's settings for the faces (/web/config.json). */
export async function config() {
  const r = await fetch('/web/config.json', { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`/web/config.json: ${r.status}`);
  return r.json();
}
