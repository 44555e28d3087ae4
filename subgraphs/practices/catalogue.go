package practices

import (
	"github.com/google/uuid"
)

// catalogueNamespace derives the stable ids of the catalogue's services from
// their slugs: the same card has the same id in every data set.
var catalogueNamespace = uuid.MustParse("2b8f7a1e-5c3d-4e6f-8a9b-0c1d2e3f4a5b")

// ServiceIDFor is the id of the catalogue service with the given slug.
func ServiceIDFor(slug string) string {
	return uuid.NewSHA1(catalogueNamespace, []byte("service/"+slug)).String()
}

func fee(cents int64) *int64 { return &cents }

func citizen(codes ...int) []LifeEventRef {
	out := make([]LifeEventRef, len(codes))
	for i, c := range codes {
		out[i] = LifeEventRef{Scope: "cittadino", Code: c}
	}
	return out
}

func business(codes ...int) []LifeEventRef {
	out := make([]LifeEventRef, len(codes))
	for i, c := range codes {
		out[i] = LifeEventRef{Scope: "impresa", Code: c}
	}
	return out
}

var (
	anagrafe = Contacts{Office: "Servizi anagrafici e stato civile", Email: "anagrafe@comune.example.it", Phone: "020202", PEC: "anagrafe@pec.comune.example.it"}
	scuola   = Contacts{Office: "Area servizi all'infanzia e scuola", Email: "servizi.scuola@comune.example.it", Phone: "020202", PEC: "educazione@pec.comune.example.it"}
	sociale  = Contacts{Office: "Servizi sociali e welfare", Email: "servizi.sociali@comune.example.it", Phone: "020202", PEC: "welfare@pec.comune.example.it"}
	mobilita = Contacts{Office: "Mobilità, trasporti e polizia locale", Email: "mobilita@comune.example.it", Phone: "020202", PEC: "mobilita@pec.comune.example.it"}
	suap     = Contacts{Office: "Sportello unico per le attività produttive (SUAP)", Email: "suap@comune.example.it", Phone: "020202", PEC: "suap@pec.comune.example.it"}
	sue      = Contacts{Office: "Sportello unico per l'edilizia (SUE)", Email: "edilizia@comune.example.it", Phone: "020202", PEC: "edilizia@pec.comune.example.it"}
	tributi  = Contacts{Office: "Tributi locali", Email: "tributi@comune.example.it", Phone: "020202", PEC: "tributi@pec.comune.example.it"}
	cultura  = Contacts{Office: "Cultura, sport e tempo libero", Email: "cultura@comune.example.it", Phone: "020202", PEC: "cultura@pec.comune.example.it"}
)

const onlineHowTo = "Accedi al servizio online con SPID, CIE o CNS, compila la domanda, allega i documenti richiesti e inviala. Riceverai la ricevuta di presentazione nell'area personale e via e-mail; potrai seguire lo stato della pratica nella sezione Pratiche."

var milanOnly = []string{MilanIstat}

// Catalogue returns the service cards of a Lombard comune, in a fixed
// order: a practice plan's service index is taken modulo its length. Cards
// with a nil Comuni are offered by every comune of the metropolitan city;
// the others only by the listed ones (Milan).
func Catalogue() []ServiceCard {
	cs := []ServiceCard{
		{
			Slug: "cambio-residenza", CategoryCode: 6, PonMetroArea: AreaAgendaDigitale,
			Title:            "Cambio di residenza",
			ShortDescription: "Dichiarazione di trasferimento della residenza da un altro comune, dall'estero o di cambio di indirizzo all'interno del comune.",
			Audience:         "Cittadini italiani, comunitari e stranieri regolarmente soggiornanti che trasferiscono la dimora abituale nel comune o al suo interno.",
			HowTo:            onlineHowTo + " La polizia locale verificherà la dimora abituale all'indirizzo dichiarato.",
			WhatYouNeed:      []string{"Documento d'identità di tutti i componenti maggiorenni che si trasferiscono", "Patente e libretti dei veicoli intestati", "Titolo di occupazione dell'abitazione (contratto di affitto, atto di proprietà o comodato)", "Permesso di soggiorno per i cittadini non comunitari"},
			WhatYouGet:       "L'iscrizione nell'anagrafe della popolazione residente con decorrenza dalla data della dichiarazione.",
			MaxDays:          45, Channels: []string{ChannelOnline, ChannelCounter, ChannelPEC, ChannelEmail},
			Conditions: "Gli effetti giuridici decorrono dalla data della dichiarazione; trascorsi 45 giorni senza comunicazione di esito negativo vale il silenzio-assenso.",
			Contacts:   anagrafe, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(9),
		},
		{
			Slug: "carta-identita-elettronica", CategoryCode: 6, PonMetroArea: AreaAgendaDigitale,
			Title:            "Carta d'identità elettronica (CIE)",
			ShortDescription: "Richiesta del primo rilascio, del rinnovo o del duplicato della carta d'identità elettronica.",
			Audience:         "Cittadini residenti nel comune, anche minorenni.",
			HowTo:            "Prenota l'appuntamento online, paga i diritti con pagoPA e presentati allo sportello con la ricevuta: l'operatore acquisisce foto, firma e impronte digitali.",
			WhatYouNeed:      []string{"Carta d'identità scaduta o denuncia di smarrimento o furto", "Una fototessera recente", "Codice fiscale o tessera sanitaria", "Ricevuta del pagamento dei diritti"},
			WhatYouGet:       "La carta d'identità elettronica, spedita dal Poligrafico dello Stato all'indirizzo indicato entro 6 giorni lavorativi.",
			MaxDays:          10, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "Il costo è di 22,21 euro (27,37 euro per il duplicato). La presenza allo sportello è obbligatoria per il rilevamento delle impronte.",
			Contacts:   anagrafe, Archetype: ArchPermessi, LifeEvents: citizen(11),
			RequiresPayment: true, FeeCents: fee(2221),
		},
		{
			Slug: "certificati-anagrafici", CategoryCode: 6, PonMetroArea: AreaAgendaDigitale,
			Title:            "Certificati anagrafici",
			ShortDescription: "Rilascio dei certificati di residenza, stato di famiglia, nascita e cittadinanza tramite l'Anagrafe nazionale (ANPR).",
			Audience:         "Chiunque sia iscritto nell'anagrafe nazionale, per sé o per un componente della propria famiglia anagrafica.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Identità digitale SPID, CIE o CNS"},
			WhatYouGet:       "Il certificato in formato PDF con sigillo elettronico, valido per sei mesi.",
			MaxDays:          5, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "I certificati richiesti online sono esenti dai diritti di segreteria; resta dovuta l'imposta di bollo salvo esenzione.",
			Contacts:   anagrafe, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(9, 13),
		},
		{
			Slug: "iscrizione-nido", CategoryCode: 1, PonMetroArea: AreaInclusioneSociale,
			Title:            "Iscrizione ai nidi d'infanzia",
			ShortDescription: "Domanda di ammissione ai nidi d'infanzia comunali e convenzionati per bambini da 3 a 36 mesi.",
			Audience:         "Genitori o tutori di bambini tra i 3 e i 36 mesi residenti nel comune.",
			HowTo:            onlineHowTo + " Le domande sono ordinate in graduatoria secondo i criteri del bando.",
			WhatYouNeed:      []string{"Attestazione ISEE per prestazioni rivolte ai minori", "Certificazioni di disabilità o di situazioni di fragilità, se presenti", "Dati dei genitori e del bambino"},
			WhatYouGet:       "L'inserimento nella graduatoria e, in caso di ammissione, il posto al nido con la retta calcolata sull'ISEE.",
			MaxDays:          60, Channels: []string{ChannelOnline},
			Conditions: "Le domande si presentano nei periodi indicati dal bando annuale; le rette sono determinate in base all'ISEE.",
			Contacts:   scuola, FullyOnline: true, Archetype: ArchGraduatoria, LifeEvents: citizen(1, 12),
		},
		{
			Slug: "iscrizione-mensa-scolastica", CategoryCode: 1, PonMetroArea: AreaInclusioneSociale,
			Title:            "Iscrizione al servizio di refezione scolastica",
			ShortDescription: "Iscrizione alla mensa delle scuole dell'infanzia, primarie e secondarie di primo grado, con richiesta di diete speciali.",
			Audience:         "Genitori di alunni iscritti alle scuole statali e comunali del territorio.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Attestazione ISEE per la tariffa agevolata", "Certificato medico per diete sanitarie"},
			WhatYouGet:       "L'accesso al servizio di refezione per l'anno scolastico, con la fascia tariffaria assegnata.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelAppIO},
			Conditions: "Le tariffe, per fasce ISEE, si pagano con avvisi pagoPA bimestrali.",
			Contacts:   scuola, FullyOnline: true, Archetype: ArchServiziPagati, LifeEvents: citizen(1),
		},
		{
			Slug: "trasporto-scolastico", CategoryCode: 1, PonMetroArea: AreaServiziMobilita,
			Title:            "Iscrizione al trasporto scolastico",
			ShortDescription: "Servizio di scuolabus per gli alunni delle scuole primarie e secondarie di primo grado.",
			Audience:         "Genitori di alunni residenti a oltre un chilometro dal plesso scolastico.",
			HowTo:            onlineHowTo + " La quota annuale si paga con pagoPA prima dell'invio.",
			WhatYouNeed:      []string{"Dati dell'alunno e della scuola frequentata", "Indirizzo della fermata richiesta"},
			WhatYouGet:       "Il tesserino del trasporto scolastico e l'assegnazione della fermata.",
			MaxDays:          30, Channels: []string{ChannelOnline},
			Conditions: "Quota annuale di 120 euro; riduzioni per il secondo figlio.",
			Contacts:   scuola, FullyOnline: true, Archetype: ArchServiziPagati, LifeEvents: citizen(1, 7),
			RequiresPayment: true, FeeCents: fee(12000),
		},
		{
			Slug: "centri-estivi", CategoryCode: 10, PonMetroArea: AreaInclusioneSociale,
			Title:            "Iscrizione ai centri estivi",
			ShortDescription: "Iscrizione alle settimane dei centri estivi comunali per bambini e ragazzi dai 3 ai 14 anni.",
			Audience:         "Famiglie con figli tra i 3 e i 14 anni.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Attestazione ISEE per la riduzione della quota", "Scelta delle settimane di frequenza"},
			WhatYouGet:       "Il posto al centro estivo nelle settimane richieste.",
			MaxDays:          20, Channels: []string{ChannelOnline},
			Conditions: "I posti sono assegnati in graduatoria; la quota settimanale si paga all'invio della domanda.",
			Contacts:   scuola, FullyOnline: true, Archetype: ArchGraduatoria, LifeEvents: citizen(1, 18),
			RequiresPayment: true, FeeCents: fee(9000),
		},
		{
			Slug: "contributo-libri-testo", CategoryCode: 1, PonMetroArea: AreaInclusioneSociale,
			Title:            "Contributo per i libri di testo",
			ShortDescription: "Contributo per l'acquisto dei libri di testo degli studenti delle scuole secondarie.",
			Audience:         "Famiglie residenti con ISEE non superiore a 15.748,78 euro.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Attestazione ISEE in corso di validità", "IBAN intestato al richiedente"},
			WhatYouGet:       "Un contributo fino a 250 euro accreditato sul conto indicato.",
			MaxDays:          90, Channels: []string{ChannelOnline},
			Conditions: "Il contributo è erogato nei limiti dei fondi disponibili, secondo l'ordine della graduatoria ISEE.",
			Contacts:   scuola, FullyOnline: true, Archetype: ArchVantaggi, LifeEvents: citizen(1),
		},
		{
			Slug: "contrassegno-disabili", CategoryCode: 2, PonMetroArea: AreaInclusioneSociale,
			Title:            "Contrassegno di parcheggio per persone con disabilità (CUDE)",
			ShortDescription: "Rilascio e rinnovo del contrassegno unificato disabili europeo per la sosta e la circolazione.",
			Audience:         "Persone con capacità di deambulazione sensibilmente ridotta e persone non vedenti.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Certificato dell'ufficio medico-legale dell'ATS", "Una fototessera", "Documento d'identità"},
			WhatYouGet:       "Il contrassegno CUDE, valido in tutta l'Unione europea, per cinque anni o per la durata indicata nel certificato.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "Il contrassegno è personale e si usa solo quando il veicolo trasporta il titolare.",
			Contacts:   mobilita, Archetype: ArchPermessi, LifeEvents: citizen(2, 6),
		},
		{
			Slug: "pass-invalidi-ztl", CategoryCode: 4, PonMetroArea: AreaServiziMobilita,
			Title:            "Pass invalidi per ZTL e Area C",
			ShortDescription: "Registrazione delle targhe dei veicoli al servizio dei titolari di contrassegno disabili per l'accesso gratuito alle ZTL e ad Area C.",
			Audience:         "Titolari di contrassegno CUDE rilasciato da qualsiasi comune italiano.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Contrassegno CUDE in corso di validità", "Fino a due targhe di veicoli"},
			WhatYouGet:       "L'abilitazione delle targhe ai varchi elettronici delle ZTL e di Area C.",
			MaxDays:          15, Channels: []string{ChannelOnline, ChannelEmail},
			Conditions: "Le targhe si possono cambiare in qualsiasi momento; l'abilitazione decade con il contrassegno.",
			Contacts:   mobilita, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(2, 6),
			Comuni: milanOnly,
		},
		{
			Slug: "permesso-area-c", CategoryCode: 4, PonMetroArea: AreaServiziMobilita,
			Title:            "Permesso di accesso ZTL Area C per residenti",
			ShortDescription: "Abilitazione dei veicoli dei residenti nella Cerchia dei Bastioni agli ingressi gratuiti in Area C.",
			Audience:         "Residenti nella ZTL Cerchia dei Bastioni intestatari o utilizzatori di un veicolo.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Carta di circolazione del veicolo", "Contratto di leasing o noleggio, se il veicolo non è intestato al richiedente"},
			WhatYouGet:       "Quaranta ingressi gratuiti l'anno e la tariffa ridotta per i successivi.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "Il veicolo deve rispettare i limiti ambientali di Area B e Area C.",
			Contacts:   mobilita, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(6, 7),
			Comuni: milanOnly,
		},
		{
			Slug: "contrassegno-sosta-residenti", CategoryCode: 4, PonMetroArea: AreaServiziMobilita,
			Title:            "Contrassegno per la sosta dei residenti",
			ShortDescription: "Permesso per la sosta nelle strisce gialle e blu dell'ambito di residenza.",
			Audience:         "Residenti intestatari di un veicolo o che ne hanno l'uso esclusivo.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Carta di circolazione", "Ricevuta del pagamento dei diritti"},
			WhatYouGet:       "Il contrassegno digitale associato alla targa, valido due anni.",
			MaxDays:          30, Channels: []string{ChannelOnline},
			Conditions: "Un contrassegno per veicolo; i diritti di rilascio sono di 50 euro.",
			Contacts:   mobilita, FullyOnline: true, Archetype: ArchServiziPagati, LifeEvents: citizen(6),
			Comuni: milanOnly, RequiresPayment: true, FeeCents: fee(5000),
		},
		{
			Slug: "passo-carrabile", CategoryCode: 4, PonMetroArea: AreaServiziMobilita,
			Title:            "Autorizzazione di passo carrabile",
			ShortDescription: "Autorizzazione all'apertura di un accesso carrabile e rilascio del cartello segnaletico.",
			Audience:         "Proprietari o amministratori di immobili con accesso veicolare dalla strada pubblica.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Planimetria dell'accesso", "Fotografie dello stato dei luoghi", "Ricevuta dei diritti di istruttoria"},
			WhatYouGet:       "L'autorizzazione e il cartello di passo carrabile numerato.",
			MaxDays:          60, Channels: []string{ChannelOnline, ChannelPEC},
			Conditions: "È dovuto il canone unico patrimoniale annuo per l'occupazione dell'area.",
			Contacts:   mobilita, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(8),
			RequiresPayment: true, FeeCents: fee(6000),
		},
		{
			Slug: "pagamento-sanzioni-cds", CategoryCode: 9, PonMetroArea: AreaAgendaDigitale,
			Title:            "Pagamento delle sanzioni al Codice della strada",
			ShortDescription: "Pagamento dei verbali di contravvenzione notificati, anche in misura ridotta entro cinque giorni.",
			Audience:         "Chi ha ricevuto un verbale o un preavviso di violazione.",
			HowTo:            "Cerca il verbale con il numero e la targa, verifica l'importo aggiornato e paga con pagoPA online, in app IO o presso gli esercenti convenzionati.",
			WhatYouNeed:      []string{"Numero del verbale e targa del veicolo"},
			WhatYouGet:       "La quietanza di pagamento e l'archiviazione del verbale.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelAppIO, ChannelCounter},
			Conditions: "Il pagamento entro cinque giorni dalla notifica dà diritto alla riduzione del 30%.",
			Contacts:   mobilita, FullyOnline: true, Archetype: ArchPagamenti, LifeEvents: citizen(6, 17),
			RequiresPayment: true,
		},
		{
			Slug: "pagamento-tari", CategoryCode: 9, PonMetroArea: AreaSostenibilita,
			Title:            "Pagamento della TARI",
			ShortDescription: "Pagamento dell'avviso della tassa sui rifiuti, in unica soluzione o a rate.",
			Audience:         "Chi occupa o detiene locali o aree scoperte nel territorio comunale.",
			HowTo:            "Consulta l'avviso nell'area personale e paga con pagoPA le rate alle scadenze indicate.",
			WhatYouNeed:      []string{"Avviso di pagamento TARI"},
			WhatYouGet:       "La ricevuta di pagamento con valore liberatorio.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelAppIO},
			Conditions: "L'importo dipende dalla superficie e dal numero di occupanti.",
			Contacts:   tributi, FullyOnline: true, Archetype: ArchPagamenti, LifeEvents: citizen(17),
			RequiresPayment: true,
		},
		{
			Slug: "tari-agevolazioni", CategoryCode: 9, PonMetroArea: AreaSostenibilita,
			Title:            "Riduzioni e agevolazioni TARI",
			ShortDescription: "Richiesta di riduzione della tassa rifiuti per compostaggio domestico, unico occupante o disagio economico.",
			Audience:         "Contribuenti TARI in possesso dei requisiti previsti dal regolamento comunale.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Attestazione ISEE per le agevolazioni sociali", "Dichiarazione di compostaggio domestico, se richiesta"},
			WhatYouGet:       "La riduzione applicata all'avviso TARI dell'anno.",
			MaxDays:          60, Channels: []string{ChannelOnline, ChannelPEC, ChannelCounter},
			Conditions: "La domanda vale dall'anno in cui è presentata e va rinnovata al venir meno dei requisiti.",
			Contacts:   tributi, FullyOnline: true, Archetype: ArchVantaggi, LifeEvents: citizen(17),
		},
		{
			Slug: "bonus-affitto", CategoryCode: 2, PonMetroArea: AreaInclusioneSociale,
			Title:            "Contributo per il sostegno all'affitto",
			ShortDescription: "Contributo a fondo perduto per le famiglie in difficoltà nel pagamento del canone di locazione.",
			Audience:         "Titolari di un contratto di locazione registrato con ISEE fino a 26.000 euro.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Contratto di locazione registrato", "Attestazione ISEE ordinario", "Ricevute dei canoni pagati", "IBAN del richiedente o del proprietario"},
			WhatYouGet:       "Un contributo fino a quattro mensilità del canone, versato al proprietario o all'inquilino.",
			MaxDays:          90, Channels: []string{ChannelOnline},
			Conditions: "Non possono accedere i titolari di alloggi di edilizia residenziale pubblica.",
			Contacts:   sociale, FullyOnline: true, Archetype: ArchVantaggi, LifeEvents: citizen(8),
		},
		{
			Slug: "assegno-maternita", CategoryCode: 2, PonMetroArea: AreaInclusioneSociale,
			Title:            "Assegno di maternità dei Comuni",
			ShortDescription: "Assegno per le madri non lavoratrici o con tutele economiche ridotte, per ogni figlio nato o adottato.",
			Audience:         "Madri residenti, entro sei mesi dalla nascita o dall'ingresso del minore in famiglia.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Attestazione ISEE per prestazioni rivolte ai minori", "IBAN della richiedente"},
			WhatYouGet:       "L'assegno, pagato dall'INPS su disposizione del comune.",
			MaxDays:          45, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "Spetta se l'ISEE non supera la soglia aggiornata annualmente.",
			Contacts:   sociale, FullyOnline: true, Archetype: ArchVantaggi, LifeEvents: citizen(12),
		},
		{
			Slug: "assistenza-domiciliare", CategoryCode: 2, PonMetroArea: AreaInfrastrutture,
			Title:            "Servizio di assistenza domiciliare (SAD)",
			ShortDescription: "Interventi a domicilio di cura della persona e dell'abitazione per anziani e persone fragili.",
			Audience:         "Persone anziane o con disabilità con ridotta autonomia, e i loro familiari.",
			HowTo:            onlineHowTo + " L'assistente sociale concorderà una visita domiciliare.",
			WhatYouNeed:      []string{"Attestazione ISEE socio-sanitario", "Documentazione sanitaria utile alla valutazione"},
			WhatYouGet:       "Un piano di assistenza individuale con le ore settimanali assegnate.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelPhone, ChannelCounter},
			Conditions: "La compartecipazione al costo è calcolata sull'ISEE.",
			Contacts:   sociale, Archetype: ArchGraduatoria, LifeEvents: citizen(2, 4),
		},
		{
			Slug: "anagrafe-canina", CategoryCode: 2, PonMetroArea: AreaAgendaDigitale,
			Title:            "Iscrizione all'anagrafe degli animali d'affezione",
			ShortDescription: "Iscrizione di cani, gatti e furetti all'anagrafe regionale, passaggi di proprietà e denunce di smarrimento.",
			Audience:         "Proprietari e detentori di animali d'affezione residenti nel comune.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Codice del microchip", "Documento d'identità del proprietario"},
			WhatYouGet:       "L'iscrizione nell'anagrafe regionale e il certificato di iscrizione.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "L'iscrizione va fatta entro il secondo mese di vita dell'animale o entro 15 giorni dal possesso.",
			Contacts:   sociale, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(19),
		},
		{
			Slug: "pubblicazioni-matrimonio", CategoryCode: 6, PonMetroArea: AreaAgendaDigitale,
			Title:            "Pubblicazioni di matrimonio",
			ShortDescription: "Richiesta delle pubblicazioni che precedono il matrimonio civile o concordatario.",
			Audience:         "Coppie in cui almeno uno dei futuri sposi è residente nel comune.",
			HowTo:            onlineHowTo + " L'ufficiale di stato civile fisserà il giuramento dei nubendi.",
			WhatYouNeed:      []string{"Documenti d'identità dei nubendi", "Richiesta del parroco per il matrimonio concordatario", "Nulla osta per i cittadini stranieri"},
			WhatYouGet:       "L'affissione delle pubblicazioni all'albo online per otto giorni e il certificato di eseguite pubblicazioni.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "È dovuta l'imposta di bollo di 16 euro; il matrimonio deve essere celebrato entro 180 giorni.",
			Contacts:   anagrafe, Archetype: ArchPermessi, LifeEvents: citizen(13),
			RequiresPayment: true, FeeCents: fee(1600),
		},
		{
			Slug: "separazione-divorzio", CategoryCode: 6, PonMetroArea: AreaAgendaDigitale,
			Title:            "Separazione e divorzio davanti all'ufficiale di stato civile",
			ShortDescription: "Accordo di separazione, divorzio o modifica delle condizioni concluso davanti all'ufficiale di stato civile.",
			Audience:         "Coniugi senza figli minorenni o non autosufficienti, senza patti di trasferimento patrimoniale.",
			HowTo:            onlineHowTo + " Seguirà la convocazione per la sottoscrizione e, dopo almeno 30 giorni, la conferma dell'accordo.",
			WhatYouNeed:      []string{"Documenti d'identità dei coniugi", "Estremi dell'atto di matrimonio", "Sentenza di separazione, per il divorzio"},
			WhatYouGet:       "L'annotazione dell'accordo nell'atto di matrimonio.",
			MaxDays:          60, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "Sono dovuti i diritti fissi di 16 euro.",
			Contacts:   anagrafe, Archetype: ArchPermessi, LifeEvents: citizen(13),
			RequiresPayment: true, FeeCents: fee(1600),
		},
		{
			Slug: "albo-scrutatori", CategoryCode: 6, PonMetroArea: AreaAgendaDigitale,
			Title:            "Iscrizione all'albo degli scrutatori di seggio",
			ShortDescription: "Domanda di iscrizione all'albo delle persone idonee all'ufficio di scrutatore.",
			Audience:         "Elettori del comune che hanno assolto gli obblighi scolastici.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Titolo di studio", "Professione esercitata"},
			WhatYouGet:       "L'iscrizione all'albo, aggiornato ogni anno a gennaio.",
			MaxDays:          90, Channels: []string{ChannelOnline, ChannelPEC},
			Conditions: "Le domande si presentano dal 1° ottobre al 30 novembre.",
			Contacts:   anagrafe, FullyOnline: true, Archetype: ArchGraduatoria, LifeEvents: citizen(3),
		},
		{
			Slug: "duplicato-tessera-elettorale", CategoryCode: 6, PonMetroArea: AreaAgendaDigitale,
			Title:            "Duplicato della tessera elettorale",
			ShortDescription: "Rilascio di una nuova tessera elettorale per esaurimento degli spazi, smarrimento o deterioramento.",
			Audience:         "Elettori iscritti nelle liste elettorali del comune.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Tessera esaurita o deteriorata, oppure denuncia di smarrimento"},
			WhatYouGet:       "La nuova tessera elettorale, da ritirare allo sportello.",
			MaxDays:          5, Channels: []string{ChannelOnline, ChannelCounter},
			Conditions: "Nei giorni delle consultazioni l'ufficio elettorale resta aperto con orario continuato.",
			Contacts:   anagrafe, Archetype: ArchPermessi, LifeEvents: citizen(9),
		},
		{
			Slug: "occupazione-suolo-pubblico", CategoryCode: 13, PonMetroArea: AreaRigenerazione,
			Title:            "Concessione di occupazione di suolo pubblico",
			ShortDescription: "Concessione temporanea di suolo pubblico per cantieri, traslochi, ponteggi ed eventi.",
			Audience:         "Cittadini, imprese e associazioni che occupano temporaneamente strade, piazze o marciapiedi.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Planimetria dell'area da occupare", "Periodo e orari dell'occupazione", "Ricevuta dei diritti di istruttoria"},
			WhatYouGet:       "La concessione con le prescrizioni per la sicurezza della circolazione.",
			MaxDays:          30, Channels: []string{ChannelOnline, ChannelPEC},
			Conditions: "La domanda va presentata almeno 15 giorni prima; è dovuto il canone unico patrimoniale.",
			Contacts:   suap, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: append(citizen(8), business(3)...),
			RequiresPayment: true, FeeCents: fee(5000),
		},
		{
			Slug: "scia-commercio", CategoryCode: 12, PonMetroArea: AreaAgendaDigitale,
			Title:            "SCIA per l'avvio di un'attività commerciale",
			ShortDescription: "Segnalazione certificata di inizio attività per esercizi di vicinato, pubblici esercizi e attività artigiane.",
			Audience:         "Imprese e professionisti che avviano, trasferiscono o modificano un'attività.",
			HowTo:            "Compila la segnalazione sul portale del SUAP con firma digitale del titolare o di un intermediario; l'attività può iniziare dal giorno della presentazione.",
			WhatYouNeed:      []string{"Visura camerale", "Planimetria dei locali", "Requisiti morali e professionali del titolare", "Ricevuta dei diritti SUAP"},
			WhatYouGet:       "La ricevuta di presentazione, titolo per l'avvio immediato; il comune verifica i requisiti entro 60 giorni.",
			MaxDays:          60, Channels: []string{ChannelOnline, ChannelPEC},
			Conditions: "In caso di carenza dei requisiti il comune vieta la prosecuzione dell'attività.",
			Contacts:   suap, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: business(1, 2, 3),
			RequiresPayment: true, FeeCents: fee(5000),
		},
		{
			Slug: "dehors", CategoryCode: 12, PonMetroArea: AreaRigenerazione,
			Title:            "Autorizzazione dehors per pubblici esercizi",
			ShortDescription: "Concessione per installare tavolini, ombrelloni e strutture all'aperto davanti a bar e ristoranti.",
			Audience:         "Titolari di pubblici esercizi di somministrazione.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Progetto del dehors firmato da un tecnico", "Parere della Soprintendenza nelle zone vincolate", "Ricevuta dei diritti di istruttoria"},
			WhatYouGet:       "La concessione stagionale o annuale del dehors.",
			MaxDays:          60, Channels: []string{ChannelOnline, ChannelPEC},
			Conditions: "Il dehors deve garantire il passaggio pedonale di almeno due metri.",
			Contacts:   suap, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: business(3),
			Comuni: milanOnly, RequiresPayment: true, FeeCents: fee(10000),
		},
		{
			Slug: "permesso-di-costruire", CategoryCode: 5, PonMetroArea: AreaRigenerazione,
			Title:            "Permesso di costruire",
			ShortDescription: "Titolo edilizio per nuove costruzioni, ristrutturazioni pesanti e ampliamenti.",
			Audience:         "Proprietari di immobili o aventi titolo, tramite un tecnico abilitato.",
			HowTo:            "Il tecnico incaricato presenta la domanda sul portale del SUE con firma digitale; il responsabile del procedimento può chiedere integrazioni una sola volta.",
			WhatYouNeed:      []string{"Progetto architettonico", "Relazione tecnica asseverata", "Titolo di proprietà", "Ricevuta dei diritti di segreteria"},
			WhatYouGet:       "Il permesso di costruire, con il calcolo degli oneri di urbanizzazione.",
			MaxDays:          90, Channels: []string{ChannelOnline, ChannelPEC},
			Conditions: "I lavori devono iniziare entro un anno e terminare entro tre dal rilascio.",
			Contacts:   sue, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(8),
			RequiresPayment: true, FeeCents: fee(15000),
		},
		{
			Slug: "cila", CategoryCode: 5, PonMetroArea: AreaRigenerazione,
			Title:            "Comunicazione di inizio lavori asseverata (CILA)",
			ShortDescription: "Comunicazione per interventi di manutenzione straordinaria che non toccano le parti strutturali.",
			Audience:         "Proprietari di immobili, tramite un tecnico abilitato.",
			HowTo:            "Il tecnico presenta la comunicazione sul portale del SUE; i lavori possono iniziare dalla presentazione.",
			WhatYouNeed:      []string{"Elaborati grafici dello stato di fatto e di progetto", "Asseverazione del tecnico", "Ricevuta dei diritti di segreteria"},
			WhatYouGet:       "La ricevuta di presentazione della CILA.",
			MaxDays:          30, Channels: []string{ChannelOnline},
			Conditions: "La mancata comunicazione comporta una sanzione di 1.000 euro.",
			Contacts:   sue, FullyOnline: true, Archetype: ArchPermessi, LifeEvents: citizen(8),
			RequiresPayment: true, FeeCents: fee(5000),
		},
		{
			Slug: "sale-comunali", CategoryCode: 10, PonMetroArea: AreaInfrastrutture,
			Title:            "Concessione di sale e spazi comunali",
			ShortDescription: "Prenotazione di sale civiche, auditorium e spazi per iniziative culturali, sociali e associative.",
			Audience:         "Associazioni, enti del terzo settore, gruppi di cittadini e privati.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Descrizione dell'iniziativa", "Date e orari richiesti", "Ricevuta della tariffa d'uso"},
			WhatYouGet:       "La concessione dello spazio con le prescrizioni d'uso.",
			MaxDays:          20, Channels: []string{ChannelOnline, ChannelEmail},
			Conditions: "Tariffa d'uso di 80 euro per giornata; riduzioni per gli enti del terzo settore.",
			Contacts:   cultura, FullyOnline: true, Archetype: ArchServiziPagati, LifeEvents: citizen(18),
			RequiresPayment: true, FeeCents: fee(8000),
		},
		{
			Slug: "contributo-bici", CategoryCode: 4, PonMetroArea: AreaSostenibilita,
			Title:            "Contributo per l'acquisto di biciclette e cargo bike",
			ShortDescription: "Contributo per chi acquista una bicicletta elettrica o una cargo bike e rottama un veicolo inquinante.",
			Audience:         "Residenti maggiorenni e imprese con sede nel comune.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Fattura d'acquisto", "Certificato di rottamazione del veicolo", "IBAN del richiedente"},
			WhatYouGet:       "Un contributo fino al 50% del prezzo, con un massimo di 1.500 euro.",
			MaxDays:          90, Channels: []string{ChannelOnline},
			Conditions: "Il contributo è concesso fino a esaurimento dei fondi, in ordine di presentazione.",
			Contacts:   mobilita, FullyOnline: true, Archetype: ArchVantaggi, LifeEvents: citizen(6, 7),
			Comuni: milanOnly,
		},
		{
			Slug: "bonus-energia-2024", CategoryCode: 9, PonMetroArea: AreaSostenibilita,
			Title: "Contributo comunale per le spese energetiche 2024", State: ServiceInactive,
			StateReason:      "Il bando si è chiuso il 31 ottobre 2024; le domande non sono più accettate.",
			ShortDescription: "Contributo straordinario per le bollette di luce e gas delle famiglie in difficoltà.",
			Audience:         "Famiglie residenti con ISEE fino a 20.000 euro.",
			HowTo:            onlineHowTo,
			WhatYouNeed:      []string{"Attestazione ISEE ordinario", "Bollette dell'anno in corso", "IBAN del richiedente"},
			WhatYouGet:       "Un contributo una tantum fino a 300 euro.",
			MaxDays:          60, Channels: []string{ChannelOnline},
			Conditions: "Un solo contributo per nucleo familiare.",
			Contacts:   sociale, FullyOnline: true, Archetype: ArchVantaggi, LifeEvents: citizen(8, 17),
		},
	}
	for i := range cs {
		cs[i].ID = ServiceIDFor(cs[i].Slug)
		if cs[i].State == "" {
			cs[i].State = ServiceActive
		}
	}
	return cs
}
