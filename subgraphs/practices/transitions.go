package practices

// Status is the status of a practice.
type Status string

// The statuses of a practice.
const (
	StatusDraft                Status = "DRAFT"
	StatusPaymentPending       Status = "PAYMENT_PENDING"
	StatusSubmitted            Status = "SUBMITTED"
	StatusRegistered           Status = "REGISTERED"
	StatusInProgress           Status = "IN_PROGRESS"
	StatusIntegrationRequested Status = "INTEGRATION_REQUESTED"
	StatusCompleted            Status = "COMPLETED"
	StatusRejected             Status = "REJECTED"
	StatusWithdrawn            Status = "WITHDRAWN"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusDraft, StatusPaymentPending, StatusSubmitted, StatusRegistered, StatusInProgress,
	StatusIntegrationRequested, StatusCompleted, StatusRejected, StatusWithdrawn,
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Final reports whether no action leaves s.
func (s Status) Final() bool {
	return s == StatusCompleted || s == StatusRejected || s == StatusWithdrawn
}

// Decided reports whether s is a decision of the administration.
func (s Status) Decided() bool { return s == StatusCompleted || s == StatusRejected }

// Action is something a party does to a practice.
type Action string

// The actions of the lifecycle.
const (
	ActionSubmit             Action = "submit"
	ActionConfirmPayment     Action = "confirmPayment"
	ActionAnswerIntegration  Action = "answerIntegration"
	ActionWithdraw           Action = "withdraw"
	ActionRegister           Action = "register"
	ActionTakeInCharge       Action = "takeInCharge"
	ActionRequestIntegration Action = "requestIntegration"
	ActionComplete           Action = "complete"
	ActionReject             Action = "reject"
)

// Actions lists every action.
var Actions = []Action{
	ActionSubmit, ActionConfirmPayment, ActionAnswerIntegration, ActionWithdraw, ActionRegister,
	ActionTakeInCharge, ActionRequestIntegration, ActionComplete, ActionReject,
}

// Party is who may perform an action.
type Party uint8

// The parties of the lifecycle.
const (
	// PartyApplicant is the citizen who filed the practice (same fiscal code).
	PartyApplicant Party = iota + 1
	// PartyOperator is an operator of the practice's comune, or an admin.
	PartyOperator
)

// Payment conditions an edge may carry.
type paymentCond uint8

const (
	anyPayment  paymentCond = iota // the edge applies to every service
	withPayment                    // only when the service requires a payment
	noPayment                      // only when it does not
)

// Edge is one legal transition.
type Edge struct {
	Action       Action
	From, To     Status
	Party        Party
	NoteRequired bool
	payment      paymentCond
}

// Transitions is THE lifecycle of a practice, in one place:
//
//	citizen (applicant)
//	  submit             DRAFT → SUBMITTED, or → PAYMENT_PENDING when the service requires a payment
//	  answerIntegration  INTEGRATION_REQUESTED → IN_PROGRESS
//	  withdraw           any status before a decision → WITHDRAWN
//	operator of the practice's comune, or admin (the payment system acts as one)
//	  confirmPayment     PAYMENT_PENDING → SUBMITTED
//	  register           SUBMITTED → REGISTERED (assigns protocol number and date)
//	  takeInCharge       REGISTERED → IN_PROGRESS
//	  requestIntegration IN_PROGRESS → INTEGRATION_REQUESTED (note required)
//	  complete           IN_PROGRESS → COMPLETED
//	  reject             REGISTERED | IN_PROGRESS → REJECTED (note required)
//	the payment system (bus events of the payments subgraph, events.go)
//	  confirmPayment     when the practice's debt position is paid
//	  withdraw           PAYMENT_PENDING only, when the position is cancelled or expires
//
// Anything not listed is an illegal transition.
var Transitions = []Edge{
	{Action: ActionSubmit, From: StatusDraft, To: StatusSubmitted, Party: PartyApplicant, payment: noPayment},
	{Action: ActionSubmit, From: StatusDraft, To: StatusPaymentPending, Party: PartyApplicant, payment: withPayment},
	{Action: ActionConfirmPayment, From: StatusPaymentPending, To: StatusSubmitted, Party: PartyOperator},
	{Action: ActionAnswerIntegration, From: StatusIntegrationRequested, To: StatusInProgress, Party: PartyApplicant},
	{Action: ActionWithdraw, From: StatusDraft, To: StatusWithdrawn, Party: PartyApplicant},
	{Action: ActionWithdraw, From: StatusPaymentPending, To: StatusWithdrawn, Party: PartyApplicant},
	{Action: ActionWithdraw, From: StatusSubmitted, To: StatusWithdrawn, Party: PartyApplicant},
	{Action: ActionWithdraw, From: StatusRegistered, To: StatusWithdrawn, Party: PartyApplicant},
	{Action: ActionWithdraw, From: StatusInProgress, To: StatusWithdrawn, Party: PartyApplicant},
	{Action: ActionWithdraw, From: StatusIntegrationRequested, To: StatusWithdrawn, Party: PartyApplicant},
	{Action: ActionRegister, From: StatusSubmitted, To: StatusRegistered, Party: PartyOperator},
	{Action: ActionTakeInCharge, From: StatusRegistered, To: StatusInProgress, Party: PartyOperator},
	{Action: ActionRequestIntegration, From: StatusInProgress, To: StatusIntegrationRequested, Party: PartyOperator, NoteRequired: true},
	{Action: ActionComplete, From: StatusInProgress, To: StatusCompleted, Party: PartyOperator},
	{Action: ActionReject, From: StatusRegistered, To: StatusRejected, Party: PartyOperator, NoteRequired: true},
	{Action: ActionReject, From: StatusInProgress, To: StatusRejected, Party: PartyOperator, NoteRequired: true},
}

// PartyOf is the party allowed to perform a.
func PartyOf(a Action) (Party, bool) {
	for _, e := range Transitions {
		if e.Action == a {
			return e.Party, true
		}
	}
	return 0, false
}

// NoteRequired reports whether a must carry a note.
func NoteRequired(a Action) bool {
	for _, e := range Transitions {
		if e.Action == a {
			return e.NoteRequired
		}
	}
	return false
}

// Next is the status a practice in from reaches by a, for a service that
// does (requiresPayment) or does not require a payment. ok is false when the
// transition is illegal.
func Next(a Action, from Status, requiresPayment bool) (Edge, bool) {
	for _, e := range Transitions {
		if e.Action != a || e.From != from {
			continue
		}
		switch {
		case e.payment == withPayment && !requiresPayment, e.payment == noPayment && requiresPayment:
			continue
		}
		return e, true
	}
	return Edge{}, false
}
