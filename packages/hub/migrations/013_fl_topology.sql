-- Issue 9: decentralized trainings keep the topology their silos average over (overlay edges with
-- multiplicities, built from the clients' node locations when the training is created).
ALTER TABLE fl_trainings ADD COLUMN topology jsonb;
