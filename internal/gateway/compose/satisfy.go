package compose

func checkSatisfiability(sup *supergraph, ps *problems) {}
