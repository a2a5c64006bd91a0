-- Issue 9: trainings under CKKS. Each round's encrypted aggregate waits here for the owner, whose
-- client decrypts it and posts the next global parameters sealed with a model key; the hub relays
-- them, and the model key wrapped to each node, without being able to read either.
CREATE TABLE fl_owner_rounds (
  training_id  text NOT NULL REFERENCES fl_trainings (id) ON DELETE CASCADE,
  round        integer NOT NULL,
  aggregate    jsonb NOT NULL,
  participants integer NOT NULL,
  dropouts     integer NOT NULL,
  metrics      jsonb NOT NULL DEFAULT '{}',
  global       jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (training_id, round)
);
ALTER TABLE fl_trainings ADD COLUMN model_keys jsonb;
