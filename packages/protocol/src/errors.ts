/**
 * The one table of user-visible error codes. Codes are stable: a retired code is never reused.
 * Each has the HTTP status the hub answers with and a message that says what to do.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the schema; see details.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than the hub accepts.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such endpoint; see /v1/openapi.json.' },
  INVALID_STRING: { status: 400, message: 'A string holds a NUL character or an unpaired surrogate, which cannot be stored; remove it.' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is not one this list gave out; pass the nextCursor of the previous page unchanged, or start again without one.' },
  INVALID_URL: { status: 400, message: 'The URL is malformed (bad percent-encoding); encode path and query with encodeURIComponent.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large; send fewer or shorter headers.' },
  LENGTH_REQUIRED: { status: 411, message: 'Send a Content-Length header with the body (chunked bodies are not accepted here).' },
  INVALID_CONTENT_LENGTH: { status: 400, message: 'The Content-Length header is malformed or does not match the body sent.' },
  INTERNAL: { status: 500, message: 'The hub failed unexpectedly; the request id is in the logs.' },

  AUTH_MISSING_SIGNATURE: { status: 401, message: 'Sign the request: x-w3ai-key, x-w3ai-timestamp, x-w3ai-nonce and x-w3ai-signature headers are required.' },
  AUTH_MALFORMED_SIGNATURE: { status: 401, message: 'A signature header is malformed (key and signature are base64url, timestamp is milliseconds, nonce 16-64 characters).' },
  AUTH_BAD_SIGNATURE: { status: 401, message: 'The signature does not verify for this key, method, path, body and timestamp.' },
  AUTH_STALE_TIMESTAMP: { status: 401, message: 'The request timestamp is more than 60 s away from the hub clock; check your clock.' },
  AUTH_REPLAYED_NONCE: { status: 401, message: 'This nonce was already used; sign every request with a fresh nonce.' },
  AUTH_WRONG_IDENTITY: { status: 403, message: 'The request is signed by a key that may not act on this resource.' },

  ACCOUNT_EXISTS: { status: 409, message: 'An account with this public key already exists.' },
  ACCOUNT_NOT_FOUND: { status: 404, message: 'No account for this key; create one with `w3ai account create`.' },

  NODE_NOT_FOUND: { status: 404, message: 'No node with this id.' },
  NODE_NOT_REGISTERED: { status: 409, message: 'Register the node (POST /v1/nodes) before opening its heartbeat stream.' },
  NODE_BAD_HEARTBEAT: { status: 400, message: 'A heartbeat message does not match the schema.' },
  NODE_WRONG_NETWORK: { status: 409, message: "The node belongs to another network (its order key differs from this hub's); point it at a hub of its own network, or give it a fresh home to join this one." },

  STORAGE_BAD_CID: { status: 400, message: 'That is not a valid CID (CIDv1, base32, e.g. bafy… or bafk…).' },
  STORAGE_BAD_REDUNDANCY: { status: 400, message: 'Redundancy must be K/N with 1 <= K < N, K <= 24, N - K <= 6 and K <= repair threshold <= N.' },
  STORAGE_NOT_ENOUGH_NODES: { status: 503, message: 'Too few online nodes with free space for this redundancy; start more nodes or lower N.' },
  STORAGE_QUOTA_EXCEEDED: { status: 403, message: 'This upload would exceed your storage quota.' },
  STORAGE_UPLOAD_NOT_FOUND: { status: 404, message: 'No open upload with this id (it may have expired); start the upload again.' },
  STORAGE_UPLOAD_INVALID: { status: 400, message: 'The upload step does not match the upload (segment index, piece count or sizes).' },
  STORAGE_RECEIPT_INVALID: { status: 400, message: 'A storage receipt is missing, forged or does not match its piece.' },
  STORAGE_MANIFEST_INVALID: { status: 400, message: 'The manifest does not match the segments committed for this upload.' },
  STORAGE_OBJECT_NOT_FOUND: { status: 404, message: 'No object with this CID.' },
  STORAGE_ACCESS_DENIED: { status: 403, message: 'This object has not been shared with your account.' },
  STORAGE_ORDER_INVALID: { status: 403, message: 'The order is missing, malformed, not signed by the network or not for this node and piece.' },
  STORAGE_ORDER_EXPIRED: { status: 403, message: 'The order has expired; ask the hub for a new one.' },
  STORAGE_PIECE_HASH_MISMATCH: { status: 400, message: 'The piece bytes do not hash to the CID they were sent for.' },
  STORAGE_PIECE_TOO_LARGE: { status: 413, message: 'The piece is larger than its order allows.' },
  STORAGE_PIECE_NOT_FOUND: { status: 404, message: 'This node holds no piece with that CID.' },
  STORAGE_NODE_FULL: { status: 507, message: 'The node has no room for this piece.' },
  STORAGE_NOT_ENOUGH_PIECES: { status: 503, message: 'Too few intact pieces could be fetched to rebuild the data; try again when more nodes are online.' },
  STORAGE_INTEGRITY: { status: 500, message: 'Decrypted data failed its integrity check; nothing was written.' },

  JOB_NOT_FOUND: { status: 404, message: 'No job with this id among yours.' },
  JOB_INVALID_STATE: { status: 409, message: 'The job is not in a state that allows this (see its status).' },
  JOB_KEYS_INCOMPLETE: { status: 400, message: 'Wrap every input key to enough of the candidate nodes (at least one per replica).' },
  COMPUTE_NOT_ENOUGH_NODES: { status: 503, message: 'Too few online nodes run this executor for the requested verification; start more nodes or lower --verify.' },
  COMPUTE_TIMEOUT: { status: 408, message: 'The task ran past its time limit and was stopped; raise timeMs or make the task smaller.' },
  COMPUTE_MEMORY_LIMIT: { status: 422, message: 'The task used more memory than its limit and was stopped; raise memoryMb or make the task smaller.' },
  COMPUTE_OUTPUT_TOO_LARGE: { status: 413, message: 'The task produced more output than maxOutputBytes allows.' },
  COMPUTE_CRASHED: { status: 500, message: 'The sandbox process died without a result (crash, signal or early exit); see details.' },
  COMPUTE_CANCELLED: { status: 409, message: 'The task was cancelled before it finished.' },
  COMPUTE_BAD_MODULE: { status: 400, message: 'The WebAssembly module is invalid or is not a WASI preview1 command (it must export _start and memory).' },
  COMPUTE_EXIT_CODE: { status: 422, message: 'The module exited with a non-zero exit code; see details.exitCode and details.stderr.' },
  COMPUTE_WASM_TRAP: { status: 422, message: 'The module trapped (unreachable, out-of-bounds access, stack overflow, ...).' },
  COMPUTE_UNKNOWN_EXECUTOR: { status: 400, message: 'No executor is registered under this name.' },
  COMPUTE_BAD_INPUT: { status: 400, message: 'The task input or limits are invalid; see the message.' },
  COMPUTE_EXECUTOR_FAILED: { status: 422, message: 'The executor failed on this input; see the message.' },
  COMPUTE_SHAPE_MISMATCH: { status: 422, message: "An input tensor's shape does not match what the model or the data declares; fix dims or data (see details.expected and details.actual)." },
  COMPUTE_INPUT_TOO_LARGE: { status: 413, message: 'The input is larger than the executor accepts; send fewer elements inline or store the input in W3S and pass its CID.' },
  COMPUTE_BAD_SPEC: { status: 400, message: 'The training spec is invalid; the message names the offending field.' },
  COMPUTE_BAD_DATASET: { status: 422, message: 'The dataset cannot be read (malformed CSV or IDX, bad labels, no samples); the message says where.' },
  COMPUTE_MODEL_INVALID: { status: 422, message: 'The model is not a valid ONNX model onnxruntime can load; re-export it and add it again.' },
  COMPUTE_MODEL_NOT_FOUND: { status: 404, message: 'The model is not cached on this node; send the model bytes.' },
  COMPUTE_EXPORT_UNSUPPORTED: { status: 422, message: 'The trained model uses a layer or setting the ONNX export does not support; change the spec.' },
  COMPUTE_RUN_FAILED: { status: 422, message: 'The model failed while running on this input; see the message.' },
  COMPUTE_VERIFICATION_FAILED: { status: 409, message: 'The replicas of the job disagreed and no majority emerged; raise --tolerance for float results or submit again.' },
  COMPUTE_FAILED: { status: 500, message: 'A node reported the task failed without saying why; submit again or check the node logs.' },
  COMPUTE_SEAL_DENIED: { status: 403, message: 'This sealed result does not open with your key: it was sealed to another key or another job, or altered on the way.' },
  DEPLOYMENT_NOT_FOUND: { status: 404, message: 'No deployment with this id among yours.' },
  DEPLOYMENT_INVALID_STATE: { status: 409, message: 'The deployment is not in a state that allows this (see its status).' },
  DEPLOYMENT_NOT_READY: { status: 503, message: 'No serving node of this deployment is ready; wait until its status is ready, or add replicas.' },
  INFERENCE_FAILED: { status: 502, message: 'Every serving node that was tried failed to answer; see details.' },
  TENSOR_FRAME_MALFORMED: { status: 400, message: 'The body is not a valid application/vnd.w3ai.tensors frame (see docs/api.md, Binary tensors); the message says what is wrong.' },
  TICKET_MALFORMED: { status: 401, message: 'The x-w3ai-ticket header is not a ticket this network issues; ask the hub for one (POST /v1/deployments/:id/tickets).' },
  TICKET_BAD_SIGNATURE: { status: 401, message: 'The ticket is not signed by a hub of this network; ask the hub for a new one.' },
  TICKET_EXPIRED: { status: 401, message: 'The ticket has expired; ask the hub for a new one.' },
  TICKET_WRONG_DEPLOYMENT: { status: 403, message: 'The ticket was issued for another deployment or node; ask the hub for a ticket for this one.' },
  TICKET_WRONG_CALLER: { status: 403, message: 'The request is signed by a key other than the one the ticket was issued to; sign with the key that asked for it.' },
  TICKET_EXHAUSTED: { status: 429, message: 'The ticket has used up its calls; ask the hub for a new one.' },
  TICKET_REFUSED: { status: 403, message: 'No direct ticket for this call: calls paid from an order or billed per call go through the hub (drop --direct).' },
  LEASE_EXPIRED: { status: 408, message: 'The node running this task stopped renewing its lease (it died, stalled or lost the hub); the task went back to the queue for another node.' },
  NODE_BUSY: { status: 503, message: 'The node had no free task slot for this task and gave it back; another node (or the same one later) takes it.' },
  TASK_LEASE_LOST: { status: 409, message: 'This node no longer holds the task (its lease expired or the job was cancelled); drop the work.' },

  HUB_UNREACHABLE: { status: 503, message: 'The hub could not be reached; is it running? (`w3ai up` or `w3ai hub start`).' },
  DEVNET_NOT_FOUND: { status: 404, message: 'No devnet is recorded in this home; start one with `w3ai up` or pass --hub URL.' },
  DEVNET_ALREADY_RUNNING: { status: 409, message: 'A devnet from this home is already running; stop it with `w3ai down`.' },
  DEVNET_START_FAILED: { status: 500, message: 'The devnet did not come up; see the logs under <home>/logs.' },
  CLI_BAD_ARGUMENT: { status: 400, message: 'A command-line argument is invalid; see `w3ai help COMMAND`.' },
  IDENTITY_NOT_FOUND: { status: 404, message: 'No identity in this home; run `w3ai account create`.' },
  IDENTITY_CORRUPT: { status: 500, message: 'The identity file cannot be read; restore it from a backup.' },

  // Federated learning: strategies, sampling, differential privacy, partitioning (issue 9, helper A).
  FL_BAD_CONFIG: { status: 400, message: 'The federated configuration is invalid (unknown strategy, option out of range); the message names the field.' },
  FL_NOT_ENOUGH_CLIENTS: { status: 503, message: 'Fewer clients are available than the round needs; start more nodes with the dataset or lower the minimum clients.' },
  FL_BAD_UPDATE: { status: 422, message: 'A client update does not match the model (tensor count, sizes, example count or non-finite values); the client is left out of the round.' },
  FL_PRIVACY_BUDGET_SPENT: { status: 409, message: 'The next round would spend more privacy budget than targetEpsilon allows; training stops here (raise the budget or the noise to go on).' },

  // Federated learning: decentralized topologies (issue 9, helper D).
  FL_BAD_TOPOLOGY: { status: 400, message: 'The network topology is invalid (malformed GML, a link to an unknown site, a missing or negative distance, or sites that cannot reach each other); the message names the line or the sites.' },

  // Federated learning: secagg+ secure aggregation (issue 9, helper B).
  FL_SECAGG_WRONG_ROUND: { status: 409, message: 'This secure-aggregation message belongs to another round (late or replayed); it is dropped.' },
  FL_SECAGG_WRONG_STAGE: { status: 409, message: 'This secure-aggregation message is for a stage the round is not in (too early, too late or after the round ended); it is dropped.' },
  FL_SECAGG_NOT_PARTICIPANT: { status: 403, message: 'The sender is not a participant of this secure-aggregation round (never selected, or dropped at an earlier stage).' },
  FL_SECAGG_DUPLICATE: { status: 409, message: 'This client already sent its message for this stage; the replay is refused and the first message stands.' },
  FL_SECAGG_MALFORMED: { status: 400, message: 'A secure-aggregation message is malformed (missing field, bad base64url, wrong vector length, shares for the wrong peers); details name the field.' },
  FL_SECAGG_BAD_SHARE: { status: 422, message: 'A secret share failed to decrypt, or the revealed shares do not reconstruct the committed secret; the round cannot be unmasked.' },
  FL_SECAGG_REVEAL_REFUSED: { status: 409, message: "A client was asked to reveal both the mask key and the self-mask seed of one peer (or its own secrets); it refuses, since that would unmask the peer's update." },
  FL_SECAGG_BAD_SIGNATURE: { status: 403, message: "A client's round keys are not signed by the node its id belongs to (keys substituted on the way?); they are refused." },
  FL_SECAGG_BELOW_THRESHOLD: { status: 503, message: 'Fewer clients than the secure-aggregation threshold are left in the round; the round fails and the next one starts with fresh keys.' },
  // Federated learning: node datasets, the hub's federated domain and its trainings (issue 9, helper E).
  FL_DATASET_EXISTS: { status: 409, message: 'This node already has a dataset with that name; remove it first (`w3ai node dataset rm NAME`) or pick another name.' },
  FL_DATASET_NOT_FOUND: { status: 404, message: 'This node has no dataset with that name; see `w3ai node dataset ls`.' },
  FL_DATASET_FILE: { status: 400, message: 'The dataset file cannot be read (missing, not a regular file, or no permission); check --path (and --labels for IDX).' },
  FL_UNKNOWN_DATASET: { status: 404, message: 'No node holds a dataset with this name; register it on the node that has the data with `w3ai node dataset add`.' },
  FL_INCOMPATIBLE_DATASETS: { status: 422, message: 'The datasets do not fit together or the model (sample shape, label kind or classes); details name them.' },
  FL_SECURE_NEEDS_LINEAR: { status: 400, message: 'Secure aggregation only sums updates: pick a strategy that aggregates by weighted mean (FedAvg and its server-optimizer family), or secure: none for the robust ones (median, trimmed mean, Krum, Bulyan).' },
  FL_TRAINING_NOT_FOUND: { status: 404, message: 'No federated training with this id among yours.' },
  FL_INVALID_STATE: { status: 409, message: 'The training is not in a state that allows this (see its status).' },
  FL_WORK_LOST: { status: 409, message: 'This node no longer holds this federated work (its round ended or its lease expired); drop it.' },
  // CKKS homomorphic aggregation (issue 9, helper C): keys, ciphertexts and their parameters.
  FL_CKKS_BAD_PARAMS: { status: 400, message: 'The CKKS parameters are invalid (ring dimension, modulus primes or scale); the message says which.' },
  FL_CKKS_PARAMS_MISMATCH: { status: 409, message: "The key or ciphertext was made with other CKKS parameters than the job uses; encrypt with the parameters published with the job owner's public key." },
  FL_CKKS_WRONG_KEY: { status: 409, message: "The ciphertext is encrypted under another key than the job's (its key id differs); encrypt with the job owner's current public key." },
  FL_CKKS_MALFORMED: { status: 400, message: 'A CKKS key, ciphertext or encrypted update is malformed (bad base64url, wrong size, compressed, or not a SEAL object of that kind); send it as the client library produces it.' },
  FL_CKKS_LENGTH_MISMATCH: { status: 422, message: 'Encrypted updates hold vectors of different lengths; every client must encrypt the same model shape.' },
  FL_CKKS_OUT_OF_RANGE: { status: 422, message: 'A value to encrypt is not finite or exceeds the CKKS capacity (see details.capacity); clip the update or use parameters with a smaller scale.' },
  FL_CKKS_DECRYPT_FAILED: { status: 422, message: 'The aggregate did not decrypt to a plausible result (a wrong secret key, or a sum past the CKKS capacity); check the key and the size of the updates.' },
  // Inference on CKKS ciphertexts (issue 10, @w3ai/compute/he and the `he` executor).
  HE_BAD_PARAMS: { status: 400, message: 'The HE parameters are invalid (ring dimension 8192 or 16384, modulus prime sizes, scale bits); the message says which.' },
  HE_KEY_MISMATCH: { status: 409, message: 'The encrypted batch was made under another key than the evaluation keys (their key ids differ); send the evaluation keys of the client that encrypted the batch.' },
  HE_PARAMS_MISMATCH: { status: 409, message: 'The batch, evaluation keys or a ciphertext were made with other HE parameters than the rest; encrypt and make keys with one client.' },
  HE_MALFORMED: { status: 400, message: 'An HE batch, result, evaluation keys or secret is malformed (bad header, truncated, or not a SEAL object of that kind); send it as the client library produces it.' },
  HE_DEPTH_EXCEEDED: { status: 422, message: 'The model needs more multiplicative depth than the HE parameters allow; encrypt with parameters for its depth (heParamsForDepth(model.depth)).' },
  HE_UNSUPPORTED_OP: { status: 422, message: 'The model uses an operator encrypted inference does not support (details.op); use Gemm or MatMul+Add layers, square activations and an optional final Sigmoid.' },
  HE_SHAPE_MISMATCH: { status: 422, message: "The batch's feature count differs from the model's inputs (see details); encrypt rows with as many features as the model takes." },
  HE_NO_SECRET_KEY_HERE: { status: 400, message: 'The evaluation keys hold a secret key; never send it: send only HeClient.evaluationKeys().' },
  // Secure inference pipelines (issue 10, /v1/pipelines).
  PIPELINE_NOT_FOUND: { status: 404, message: 'No pipeline with this id among yours.' },
  PIPELINE_BAD_SEGMENT: { status: 400, message: "The segment does not fit the pipeline: its index is outside 0..segments-1, or its rows would take the pipeline past its rows." },
  PIPELINE_SEGMENT_EXISTS: { status: 409, message: 'This segment was already posted; post each segment once (sending the same Idempotency-Key again answers the first post).' },
  PIPELINE_INVALID_STATE: { status: 409, message: "The pipeline or segment is not in a state that allows this (a result collected before the segment's job succeeded, a segment posted to a failed pipeline); see its stages." },
  PIPELINE_KEYS_REQUIRED: { status: 400, message: 'A pipeline with privacy he needs keys: the CID of your stored evaluation keys (HeClient.evaluationKeys()).' },
  // The token ledger (issue 11, @w3ai/ledger, /v1/wallet, /v1/ledger).
  LEDGER_BAD_AMOUNT: { status: 400, message: 'The amount is not a positive whole number of units (a decimal string, no sign, no exponent; tokens with at most 18 decimals).' },
  LEDGER_AMOUNT_OVERFLOW: { status: 400, message: 'The amount, or an account sum it would make, is larger than 2^127 - 1 units.' },
  LEDGER_BAD_TRANSFER: { status: 400, message: 'The transfer is malformed (id not ^[A-Za-z0-9_.:-]{1,64}$, memo over 200 characters, post and void together, a bad timeout, or a post/void naming other accounts than its pending transfer).' },
  LEDGER_ID_CONFLICT: { status: 409, message: 'A transfer with this id already exists with other fields; a retry must repeat the first request exactly, a new transfer needs a new id.' },
  LEDGER_INSUFFICIENT_FUNDS: { status: 409, message: 'The debit account has too little available balance for this amount; nothing was moved.' },
  LEDGER_EXCEEDS_DEBITS: { status: 409, message: 'The credit account may not receive more than it has paid out (its credits must not exceed its debits); nothing was moved.' },
  LEDGER_UNKNOWN_ACCOUNT: { status: 404, message: 'No such ledger account (ids: user:<accountId>, node:<nodeId>, stake:<nodeId>, escrow:<ref>, treasury, burn, faucet, genesis).' },
  LEDGER_SAME_ACCOUNT: { status: 400, message: 'Debit and credit are the same account.' },
  LEDGER_PENDING_NOT_FOUND: { status: 404, message: 'No pending transfer with this id to post or void.' },
  LEDGER_PENDING_CLOSED: { status: 409, message: 'The pending transfer was already posted, voided or expired.' },
  LEDGER_PENDING_EXPIRED: { status: 409, message: 'The pending transfer has passed its timeout; it can no longer be posted or voided.' },
  LEDGER_LINKED_FAILED: { status: 409, message: 'Another transfer of its linked chain failed, so none of the chain was applied.' },
  LEDGER_LINKED_OPEN: { status: 400, message: 'The last transfer of the batch is linked: a chain must end with a transfer without linked.' },
  LEDGER_CHAIN_BROKEN: { status: 500, message: 'The journal or block chain is broken: an entry or block was changed, deleted or reordered (see seq or height).' },
  LEDGER_BLOCK_BAD_SIGNATURE: { status: 500, message: 'A journal block is not signed by a known hub key.' },
  LEDGER_BALANCE_MISMATCH: { status: 500, message: 'An account stored differs from the replay of the journal.' },
  LEDGER_INVARIANT_BROKEN: { status: 500, message: 'Minted tokens differ from balances + escrow + staked + burned.' },
  LEDGER_FAUCET_DISABLED: { status: 403, message: 'This network has no faucet (devnets turn it on with W3AI_FAUCET=on); get tokens from another account.' },
  LEDGER_FAUCET_CAP: { status: 409, message: "This account has taken as much from the faucet as one account may (the hub's W3AI_FAUCET_CAP); nothing was moved." },
  // Governance of the network parameters (issue 11, /v1/governance, /v1/parameters).
  GOV_BAD_PARAMETER: { status: 400, message: 'A proposed change names no network parameter, or its value is not a whole number within the bounds (see GET /v1/parameters), or the changes together break a rule (burn + treasury share over 10000, a minimum above its maximum).' },
  GOV_PROPOSAL_NOT_FOUND: { status: 404, message: 'No governance proposal with this id.' },
  GOV_VOTE_CLOSED: { status: 409, message: 'Voting on this proposal is not open: it opens after the voting delay and closes at the end of the voting period (see votingStartsAt and votingEndsAt).' },
  GOV_ALREADY_VOTED: { status: 409, message: 'This account has already voted on the proposal; a vote cannot be changed.' },
  GOV_NO_WEIGHT: { status: 403, message: "The account held no tokens (balance plus stake) at the proposal's snapshot, so it has no vote; a proposer needs tokens at the current journal head." },
  GOV_NOT_CANCELLABLE: { status: 409, message: 'Only the proposer may cancel a proposal, and only before voting opens.' },
  GOV_LOG_BROKEN: { status: 500, message: 'The governance log is broken: an event was changed, deleted or reordered, or is not signed by a known hub key (see seq).' },
  // Pricing, escrow and settlement (issue 11, /v1/quotes, jobs and inference on a hub with W3AI_BILLING=on).
  BILLING_INSUFFICIENT_FUNDS: { status: 402, message: 'Your wallet has too little available to pay for this (see details: needed and available units); nothing was created or moved. Ask the price with --quote (POST /v1/quotes); on a devnet take tokens with `w3ai faucet`.' },
  // Staking and slashing (issue 11, /v1/staking).
  STAKE_NOT_OPERATOR: { status: 403, message: 'Only the node itself may stake or unstake for it: sign with the node identity (its home holds it), and name no other node.' },
  STAKE_INSUFFICIENT: { status: 409, message: 'The node has less bonded stake than this unstake asks for (see GET /v1/staking/:nodeId); nothing was moved.' },
  STAKE_TOO_MANY_UNBONDING: { status: 409, message: 'The node has as many unbonding entries open as it may; wait until one is released, then unstake again.' },
  // Marketplace listings, cards, search and apps (issue 12, @w3ai/market).
  MARKET_INVALID_LISTING: { status: 400, message: 'The listing is malformed (kind, title, description, tags, licence, an access mode its kind allows, price or versions); the message names the field.' },
  MARKET_PRICE_OUT_OF_BOUNDS: { status: 400, message: 'The price is outside the bounds a listing may ask (see details: min and max units); nothing was changed.' },
  MARKET_INVALID_CARD: { status: 400, message: "The card does not fit its listing (model: intended use, metrics, inputs and outputs; dataset: schema, row count, at most 20 preview rows; app: a template with typed params); the message names the field." },
  MARKET_INVALID_QUERY: { status: 400, message: 'The search is malformed (q over 200 characters, an unknown kind, tag, licence or access mode, a bad price range or rating, limit outside 1..100); the message names the field.' },
  MARKET_INVALID_PARAM: { status: 400, message: 'An app parameter is unknown, missing, repeated or not of its type or range (see details.param); pass each as --param name=value.' },
  // Marketplace listings, orders and reviews on the hub (issue 12, /v1/market).
  MARKET_LISTING_NOT_FOUND: { status: 404, message: 'No listing with this id; find listings with GET /v1/market/listings (w3ai market search).' },
  MARKET_OBJECT_NOT_READABLE: { status: 403, message: 'The listing names an object you cannot read (not stored, or neither yours nor shared with you); list only objects you can open.' },
  MARKET_NOT_SELLER: { status: 403, message: "Only the listing's seller may do this (change the listing, add a version, fulfil an order, answer a review)." },
  MARKET_VERSION_EXISTS: { status: 409, message: 'The listing already has a version with this name; name the new version differently.' },
  MARKET_OWN_LISTING: { status: 409, message: 'You cannot buy your own listing; nothing was held.' },
  MARKET_ORDER_NOT_FOUND: { status: 404, message: 'No order with this id among your purchases and sales.' },
  MARKET_INVALID_STATE: { status: 409, message: 'The order is not in a state that allows this (fulfil a pending download before its deadline, use an active order); see its status.' },
  MARKET_ALLOWANCE_EXHAUSTED: { status: 409, message: 'Every call this order prepaid has been used; buy a new allowance.' },
  MARKET_REVIEW_NOT_ALLOWED: { status: 403, message: 'Only the buyer of a delivered purchase (fulfilled, active or exhausted, not refunded) may review it.' },
  MARKET_REVIEW_EXISTS: { status: 409, message: 'This purchase already has a review; edit it with PATCH /v1/market/reviews/:id.' },
  MARKET_REVIEW_NOT_FOUND: { status: 404, message: 'No review with this id.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERROR_CODES

/** The JSON body of every error answer from the hub and nodes. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string }
}

/** An error that carries a stable code; thrown by every w3ai package, shown by the CLI and SDK. */
export class W3aiError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: unknown

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CODES[code].message)
    this.name = 'W3aiError'
    this.code = code
    this.status = ERROR_CODES[code].status
    this.details = details
  }

  toBody(requestId?: string): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message }
    if (this.details !== undefined) error.details = this.details
    if (requestId !== undefined) error.requestId = requestId
    return { error }
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}
