// The citizens' portal in a real browser: the public pages, signing in
// through the development issuer's page, a practice moved by an operator
// showing up live in the fascicolo (no reload), a fee-bearing practice
// started from its service card, paid and progressing, and the same on a
// phone-sized screen. axe-core checks every page.

/** signInAs completes the development sign-in page as the citizen with fiscalCode. */
async function signInAs(t, page, fiscalCode) {
  await page.waitForURL(/\/dev\/oidc\/authorize/);
  await page.getByLabel(/Cerca per nome/).fill(fiscalCode);
  await page.getByRole('button', { name: 'Cerca', exact: true }).click();
  await page.locator(`button[name="account"][value="cf-${fiscalCode}"]`).click();
  await page.waitForURL((u) => u.pathname === '/' && !u.search.includes('code='));
  await page.getByTestId('user-menu').waitFor();
}

/** operatorToken is a token for an operator of comune (through the development token endpoint). */
function operatorToken(t, comune) {
  return t.token({ roles: 'operator', comuni: comune, fiscal_code: 'VRDLGU70A01F205X', name: 'Luigi Verdi', client_id: 'citizengraph-desk' });
}

async function operatorMoves(t, token, mutation, id) {
  const d = await t.graphql(`mutation($id: ID!) { ${mutation}(id: $id) { status } }`, { id }, token);
  return d[mutation].status;
}

/** sameDocument marks the page, so that a later check proves no reload happened. */
async function markDocument(page) {
  await page.evaluate(() => { window.__portalDocument = 'unchanged'; });
}
async function assertSameDocument(page) {
  if ((await page.evaluate(() => window.__portalDocument)) !== 'unchanged') throw new Error('the page was reloaded');
}

export const scenarios = [
  {
    name: 'portal-public',
    async run(t) {
      const page = await t.page('desktop');
      await t.step('home: life events and categories', async () => {
        await page.goto('/');
        await page.getByRole('heading', { name: 'Eventi della vita' }).waitFor();
        await page.locator('.life-event-link').first().waitFor();
      });
      await t.shot(page, 'home');
      await t.axe(page, 'portal home');

      await t.step('catalogue by life event, category and comune', async () => {
        await page.locator('.life-event-link', { hasText: 'Cambio di residenza' }).click();
        await page.locator('.service-card').first().waitFor();
        const byEvent = await page.locator('.service-card').count();
        await page.getByLabel('Evento della vita').selectOption('');
        await page.getByLabel('Categoria').selectOption({ label: 'Anagrafe e stato civile' });
        await t.until(async () => (await page.getByTestId('results-count').innerText()).match(/^\d+/) && (await page.locator('.service-card').count()) > 0, () => 'services of a category');
        await page.getByLabel('Comune', { exact: true }).selectOption({ label: 'Milano' });
        await t.until(async () => (await page.locator('.service-card').count()) > 0 && page.url().includes('comune=015146'), () => 'services of Milano');
        if (byEvent === 0) throw new Error('no service for the life event');
      });
      await t.shot(page, 'catalogue');
      await t.axe(page, 'portal catalogue');

      await t.step('a service card', async () => {
        await page.locator('.service-card a').first().click();
        await page.locator('[data-element="service-title"]').waitFor();
        for (const h of ['A chi è rivolto', 'Come fare', 'Cosa serve', 'Cosa si ottiene', 'Tempi e scadenze', 'Contatti']) {
          await page.getByRole('heading', { name: h }).waitFor();
        }
      });
      await t.shot(page, 'service');
      await t.axe(page, 'portal service card');

      await t.step('events near the Duomo on the map of the NIL', async () => {
        await page.goto('/#/eventi');
        await page.locator('[data-testid="area-map"] path.area.selected').waitFor();
        await page.locator('.event-item').first().waitFor();
        const paths = await page.locator('[data-testid="area-map"] path.area').count();
        if (paths < 80) throw new Error(`the map has ${paths} NIL, want Milan's 88`);
      });
      await t.shot(page, 'events', { fullPage: false });
      await t.axe(page, 'portal events');
      await t.step('another NIL chosen from the list; then the comuni', async () => {
        const first = await page.locator('.event-item h3').first().innerText();
        await page.getByLabel('Quartiere').selectOption({ label: 'BICOCCA' });
        await t.until(async () => (await page.locator('#events-list').innerText()).includes('BICOCCA'), () => 'the events of BICOCCA');
        await t.until(async () => (await page.locator('.event-item h3').first().innerText().catch(() => first)) !== first, () => 'the list to change');
        await page.locator('label[for="mode-comuni"]').click();
        await t.until(async () => (await page.locator('[data-testid="area-map"] path.area').count()) === 133, () => 'the 133 comuni');
      });
      await t.shot(page, 'events-comuni', { fullPage: false });
      await t.step('a forged sign-in answer is refused', async () => {
        await page.goto('/?code=forged&state=forged');
        await page.getByRole('alert').filter({ hasText: 'Accesso non riuscito' }).waitFor();
        if (await page.getByTestId('user-menu').count()) throw new Error('signed in by a forged answer');
      });
    },
  },
  {
    name: 'portal-live',
    async run(t) {
      const { submitted } = t.fixture;
      const page = await t.page('desktop');
      await t.step('sign in through the development issuer', async () => {
        await page.goto('/#/fascicolo');
        await page.getByRole('button', { name: /Accedi con SPID o CIE/ }).click();
        await page.waitForURL(/\/dev\/oidc\/authorize/);
      });
      await t.shot(page, 'dev-sign-in', { fullPage: false });
      await t.axe(page, 'development sign-in page');
      await t.step('choose the citizen', () => signInAs(t, page, submitted.fiscalCode));
      await t.step('the fascicolo lists the submitted practice', async () => {
        await page.locator(`tr[data-practice="${submitted.id}"] [data-status="SUBMITTED"]`).waitFor();
        await page.locator('.live-indicator[data-state="live"]').waitFor();
      });
      await t.axe(page, 'fascicolo');
      await markDocument(page);
      const op = await operatorToken(t, submitted.comune);
      await t.step('an operator registers it: the list shows it without a reload', async () => {
        if ((await operatorMoves(t, op, 'registerPractice', submitted.id)) !== 'REGISTERED') throw new Error('not registered');
        await page.locator(`tr[data-practice="${submitted.id}"] [data-status="REGISTERED"]`).waitFor({ timeout: 10000 });
        await assertSameDocument(page);
        await t.until(async () => (await page.getByTestId('live-region').innerText()).includes('Protocollata'), () => 'the announcement');
      });
      await t.shot(page, 'fascicolo-live');
      await t.step('the practice page follows it too', async () => {
        await page.locator(`tr[data-practice="${submitted.id}"] a`).click();
        await page.getByTestId('timeline').waitFor();
        await page.locator('.live-indicator[data-state="live"]').waitFor();
        if ((await operatorMoves(t, op, 'takePracticeInCharge', submitted.id)) !== 'IN_PROGRESS') throw new Error('not taken in charge');
        await page.locator('[data-testid="practice-status"] [data-status="IN_PROGRESS"]').waitFor({ timeout: 10000 });
        await page.locator('[data-testid="timeline"] li[data-status="IN_PROGRESS"]').waitFor();
        await assertSameDocument(page);
        if ((await page.getByTestId('protocol').innerText()).includes('non ancora')) throw new Error('no protocol number shown');
      });
      await t.shot(page, 'practice-live');
      await t.axe(page, 'practice');
      await t.step('the office asks for an integration: the note shows live, the citizen answers', async () => {
        await t.graphql('mutation($id: ID!) { requestIntegration(id: $id, note: "Manca la copia del documento di identità") { status } }', { id: submitted.id }, op);
        await page.locator('[data-testid="practice-status"] [data-status="INTEGRATION_REQUESTED"]').waitFor({ timeout: 10000 });
        await page.locator('.timeline-note', { hasText: 'Manca la copia del documento' }).waitFor();
        await page.getByLabel(/Nota per l.ufficio/).fill('Allego la copia richiesta.');
        await page.getByRole('button', { name: /Invia l.integrazione/ }).click();
        await page.locator('[data-testid="practice-status"] [data-status="IN_PROGRESS"]').waitFor({ timeout: 10000 });
        await page.locator('.timeline-note', { hasText: 'Allego la copia richiesta.' }).waitFor();
        await assertSameDocument(page);
      });
      await t.axe(page, 'practice after the integration');
      await t.step('an operator looks the citizen up at the counter: their access log shows it', async () => {
        await t.graphql('query($fc: String!) { personByFiscalCode(fiscalCode: $fc, reason: "Sportello anagrafe, biglietto A-17") { id } }', { fc: submitted.fiscalCode }, op);
        await page.locator('.fascicolo-nav a', { hasText: 'I miei dati' }).click();
        await page.locator('[data-testid="access-log"] tr', { hasText: 'biglietto A-17' }).waitFor();
      });
      await t.shot(page, 'access-log');
      await t.axe(page, 'my data with the access log');
    },
  },
  {
    name: 'portal-pay',
    async run(t) {
      const { citizen } = t.fixture;
      const page = await t.page('desktop');
      await t.step('find the identity card service and start it', async () => {
        await page.goto('/#/servizi?q=identit%C3%A0');
        await page.locator('.service-card a', { hasText: "Carta d'identità elettronica" }).click();
        await page.getByTestId('start-practice').click();
        await signInAs(t, page, citizen.fiscalCode);
        await page.getByTestId('submit-practice').waitFor();
      });
      await t.axe(page, 'new practice');
      let id;
      await t.step('attach a document and submit', async () => {
        await page.getByLabel(/Allega i documenti/).setInputFiles({ name: 'fototessera.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex') });
        await page.getByTestId('submit-practice').click();
        await page.waitForURL(/#\/fascicolo\/pratiche\//);
        id = page.url().split('/').pop();
        await page.locator('[data-testid="practice-status"] [data-status="PAYMENT_PENDING"]').waitFor();
        // Uploaded as a multipart request: the server has the content, and a download link.
        const link = page.getByRole('link', { name: 'fototessera.png' });
        await link.waitFor();
        const r = await fetch(new URL(await link.getAttribute('href'), t.base));
        if (!r.ok || (await r.arrayBuffer()).byteLength !== 29) throw new Error(`downloading the document: ${r.status}`);
      });
      await t.step('the pagoPA notice appears; pay it', async () => {
        await page.getByTestId('pay').click({ timeout: 20000 });
        const code = await page.getByTestId('notice-code').first().innerText();
        if (!/^\d{4} \d{4} \d{4} \d{4} \d{2}$/.test(code)) throw new Error(`notice code ${code}`);
        await page.locator('label', { hasText: 'Satispay' }).click();
        await t.shot(page, 'pay-form');
        await page.getByTestId('confirm-pay').click();
        await page.getByTestId('receipt').waitFor();
      });
      await t.step('paid, the practice is submitted (live)', async () => {
        await page.locator('[data-testid="practice-status"] [data-status="SUBMITTED"]').waitFor({ timeout: 20000 });
        await page.locator('[data-testid="timeline"] li[data-status="SUBMITTED"]').waitFor();
      });
      await t.shot(page, 'practice-paid');
      await t.axe(page, 'paid practice');
      await t.step('my payments show it paid', async () => {
        await page.locator('.fascicolo-nav a', { hasText: 'Pagamenti' }).click();
        await page.locator('.payment-position').first().waitFor();
        await page.locator('[data-testid="receipt"]').first().waitFor();
      });
      await t.shot(page, 'payments');
      await t.axe(page, 'payments');
      await t.step('my messages: the unread count goes down as one is read', async () => {
        await page.locator('.fascicolo-nav a', { hasText: 'Messaggi' }).click();
        await t.until(async () => /^[1-9]\d* non letti/.test(await page.getByTestId('messages-unread').innerText().catch(() => '')), () => 'unread messages (the practice\'s)');
        const before = parseInt(await page.getByTestId('messages-unread').innerText(), 10);
        await page.locator('.message-item.unread summary').first().click();
        await t.until(async () => parseInt(await page.getByTestId('messages-unread').innerText(), 10) === before - 1, () => 'one fewer unread');
        await t.until(async () => (await page.getByTestId('unread-badge').innerText().catch(() => '0')).endsWith(String(before - 1)) || before - 1 === 0, () => 'the header badge');
      });
      await t.shot(page, 'messages');
      await t.axe(page, 'messages');
      await t.step('my data and delegations', async () => {
        await page.locator('.fascicolo-nav a', { hasText: 'I miei dati' }).click();
        await page.getByRole('heading', { name: 'Deleghe che ho dato' }).waitFor();
        await page.getByText(citizen.fiscalCode).first().waitFor();
        await page.getByRole('heading', { name: 'Chi ha consultato i miei dati' }).waitFor();
        await page.locator('[data-testid="access-log"], [data-testid="access-log-empty"]').first().waitFor();
      });
      await t.axe(page, 'my data');
      await t.step('the office registers the paid practice: the page follows', async () => {
        await page.goto(`/#/fascicolo/pratiche/${id}`);
        await page.locator('.live-indicator[data-state="live"]').waitFor();
        const admin = await t.token({ roles: 'admin', fiscal_code: 'VRDLGU70A01F205X', client_id: 'citizengraph-desk' });
        if ((await operatorMoves(t, admin, 'registerPractice', id)) !== 'REGISTERED') throw new Error('not registered');
        await page.locator('[data-testid="practice-status"] [data-status="REGISTERED"]').waitFor({ timeout: 10000 });
      });
    },
  },
  {
    name: 'portal-phone',
    async run(t) {
      const { citizen } = t.fixture;
      const page = await t.page('phone');
      await t.step('home on a phone', async () => {
        await page.goto('/');
        await page.locator('.life-event-link').first().waitFor();
      });
      await t.shot(page, 'home', { fullPage: false });
      await t.axe(page, 'phone home');
      await t.step('catalogue on a phone', async () => {
        await page.goto('/#/servizi');
        await page.locator('.service-card').first().waitFor();
      });
      await t.axe(page, 'phone catalogue');
      await t.step('events on a phone', async () => {
        await page.goto('/#/eventi');
        await page.locator('.event-item').first().waitFor();
      });
      await t.shot(page, 'events', { fullPage: false });
      await t.axe(page, 'phone events');
      await t.step('sign in and open the fascicolo', async () => {
        await page.goto('/#/fascicolo');
        await page.getByRole('button', { name: /Accedi con SPID o CIE/ }).click();
        await signInAs(t, page, citizen.fiscalCode);
        await page.locator('table.practices-table tbody tr').first().waitFor();
      });
      await t.shot(page, 'fascicolo');
      await t.axe(page, 'phone fascicolo');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390 + 1) throw new Error(`the fascicolo scrolls sideways on a phone (${width}px wide)`);
      await t.step('a practice on a phone', async () => {
        await page.locator('table.practices-table a').first().click();
        await page.getByTestId('timeline').waitFor();
      });
      await t.shot(page, 'practice');
      await t.axe(page, 'phone practice');
    },
  },
];
