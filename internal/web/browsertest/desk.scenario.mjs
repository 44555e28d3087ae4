// The operators' desk: an operator signs in through the development
// issuer's page (authorization code + PKCE), finds a submitted practice in
// the work queue, registers it, starts working on it, sees a request for
// integration and the citizen's answer arrive live, is stopped from
// rejecting without a note, and completes it with a note; then the control
// room. Every page is checked with axe-core, also on a phone.

/** signInAsOperator signs in at /operatore as the development operator of a comune. */
export async function signInAsOperator(t, page, comuneName, istat) {
  await page.goto('/operatore');
  await page.getByRole('heading', { name: 'Accesso operatori' }).waitFor();
  await page.getByRole('button', { name: 'Accedi alla scrivania' }).click();
  await page.waitForURL(/\/dev\/oidc\/authorize/);
  await page.getByLabel('Cerca per nome, cognome, codice fiscale o comune').fill(comuneName);
  await page.getByRole('button', { name: 'Cerca' }).click();
  await page.locator(`button[name="account"][value="op-${istat}"]`).click();
  await page.waitForURL(/\/operatore/);
  await page.getByRole('heading', { name: 'Coda di lavoro' }).waitFor();
}

const status = (page) => page.getByTestId('practice-status').locator('[data-status]');

async function expectStatus(t, page, want, what) {
  await t.until(async () => (await status(page).getAttribute('data-status')) === want,
    async () => `${what}: status ${await status(page).getAttribute('data-status')}, want ${want}`);
}

export const scenarios = [
  {
    name: 'desk',
    async run(t) {
      const p = t.fixture.deskPractice;
      const page = await t.page('desktop');
      await t.step('sign in as an operator of the comune', async () => {
        await page.goto('/operatore');
        await page.getByRole('heading', { name: 'Accesso operatori' }).waitFor();
        await t.axe(page, 'desk-sign-in');
        await signInAsOperator(t, page, p.comuneName, p.comune);
      });
      await t.step('the queue lists the submitted practice', async () => {
        await page.getByRole('button', { name: /^Inviata/ }).click();
        await page.locator(`tr[data-practice="${p.id}"]`).waitFor();
      });
      await t.shot(page, 'queue');
      await t.axe(page, 'desk-queue');

      await t.step('open the practice', async () => {
        await page.locator(`tr[data-practice="${p.id}"] a`).click();
        await expectStatus(t, page, 'SUBMITTED', 'the opened practice');
        await page.getByTestId('live').getByText('aggiornamento in tempo reale').waitFor();
      });
      await t.axe(page, 'desk-practice');
      await t.step('take it', async () => {
        await page.getByRole('button', { name: 'Assegna a me' }).click();
        await page.getByTestId('assignment').getByText(`Operatore del Comune di ${p.comuneName}`).waitFor();
      });
      await t.step('register it: it gets a protocol number', async () => {
        await page.getByRole('button', { name: 'Protocolla' }).click();
        await expectStatus(t, page, 'REGISTERED', 'after Protocolla');
        await page.getByTestId('protocol').getByText(new RegExp(`^${p.comune}/`)).waitFor();
      });
      await t.step('start working on it', async () => {
        await page.getByRole('button', { name: 'Avvia la lavorazione' }).click();
        await expectStatus(t, page, 'IN_PROGRESS', 'after Avvia la lavorazione');
      });
      await t.step('rejecting without a note is stopped before any request', async () => {
        await page.getByRole('button', { name: 'Respingi' }).click();
        await page.getByText('Scrivi una nota: per «Respingi» è obbligatoria.').waitFor();
        await expectStatus(t, page, 'IN_PROGRESS', 'after an empty rejection');
      });
      await t.step('a colleague asks for an integration: the page follows live', async () => {
        const colleague = await t.token({ roles: 'operator', comuni: p.comune, name: 'Collega di prova', sub: 'dev-colleague' });
        await t.graphql('mutation($id: ID!, $note: String!) { requestIntegration(id: $id, note: $note) { id } }',
          { id: p.id, note: 'Manca la copia del documento di identità.' }, colleague);
        await expectStatus(t, page, 'INTEGRATION_REQUESTED', 'after the colleague\u2019s request');
        await page.getByTestId('history').getByText('Manca la copia del documento di identità.').waitFor();
      });
      await t.shot(page, 'practice-integration');
      await t.step('the citizen answers: the page follows live', async () => {
        const citizen = await t.token({ fiscal_code: p.fiscalCode });
        await t.graphql('mutation($id: ID!) { answerIntegration(id: $id, note: "Documento allegato.") { id } }', { id: p.id }, citizen);
        await expectStatus(t, page, 'IN_PROGRESS', 'after the citizen\u2019s answer');
      });
      await t.step('complete it with a note', async () => {
        await page.getByLabel('Nota per il cittadino').fill('Richiesta accolta: il documento è pronto.');
        await page.getByRole('button', { name: 'Concludi' }).click();
        await expectStatus(t, page, 'COMPLETED', 'after Concludi');
        await page.getByTestId('history').getByText('Richiesta accolta: il documento è pronto.').waitFor();
        await page.getByText('Nessuna operazione possibile').waitFor();
      });
      await t.shot(page, 'practice');
      await t.axe(page, 'desk-practice-completed');
      const after = await t.graphql('query($id: ID!) { practice(id: $id) { status history { status note } } }', { id: p.id },
        await t.token({ fiscal_code: p.fiscalCode }));
      const trail = after.practice.history.map((h) => h.status).join(' ');
      if (after.practice.status !== 'COMPLETED' || !trail.endsWith('SUBMITTED REGISTERED IN_PROGRESS INTEGRATION_REQUESTED IN_PROGRESS COMPLETED')) {
        throw new Error(`the practice as the graph has it: ${JSON.stringify(after.practice)}`);
      }

      await t.step('the control room', async () => {
        await page.getByRole('link', { name: 'Sala di controllo' }).click();
        await page.getByRole('heading', { name: 'Sala di controllo' }).waitFor();
        await page.getByTestId('kpis').waitFor();
        const charts = await page.locator('.desk-chart svg[role="img"]').count();
        if (charts !== 4) throw new Error(`${charts} charts`);
      });
      await t.shot(page, 'control-room');
      await t.axe(page, 'desk-control-room');
    },
  },
  {
    name: 'desk-phone',
    async run(t) {
      const op = t.fixture.operator;
      const page = await t.page('phone');
      await t.step('sign in on a phone', () => signInAsOperator(t, page, op.name, op.comune));
      await t.step('the page keeps to the screen’s width', async () => {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 1) throw new Error(`the page is ${overflow} px wider than the screen`);
      });
      await t.shot(page, 'queue', { fullPage: false });
      await t.axe(page, 'desk-queue-phone');
      await t.step('the control room on a phone', async () => {
        await page.goto('/operatore#/sala-controllo');
        await page.getByTestId('kpis').waitFor();
      });
      await t.shot(page, 'control-room');
      await t.axe(page, 'desk-control-room-phone');
    },
  },
  {
    name: 'desk-control-room',
    async run(t) {
      const op = t.fixture.operator;
      const page = await t.page('desktop');
      await t.step('sign in as an operator of the busiest comune', () => signInAsOperator(t, page, op.name, op.comune));
      await t.shot(page, 'queue', { fullPage: false });
      await t.step('the control room', async () => {
        await page.getByRole('link', { name: 'Sala di controllo' }).click();
        await page.getByTestId('kpis').waitFor();
      });
      await t.shot(page, 'control-room');
      await t.axe(page, 'desk-control-room-busy');
    },
  },
];
