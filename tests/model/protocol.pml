/*
 * CoverDesk's distributed protocol, as a Promela model for spin.
 *
 * What is modelled (README.md maps every part to the TypeScript it stands for):
 *   - ND desks (here 2), each with an outbox of NE add-booking commands on ONE family, pushed
 *     strictly in order, answered durably; then a pull round of two pages (families, bookings)
 *     applied page by page with the checkpoint; the desk loops for ever (pokes, safety timer);
 *   - NS (2) server processes running the command runner: claim the command id, arbitrate on the
 *     family row, write the booking, store the answer, commit, answer;
 *   - one database: committed rows, row locks (family row, command-id key), transaction ids
 *     assigned at the first write, the pull window's snapshot (xmin, xmax, running xids);
 *   - a network that drops, duplicates, reorders and delays (bags of in-flight messages with
 *     budgets), desks and servers that crash (desk outbox, replica and checkpoint durable; server
 *     state in the database only).
 *
 * Properties (one run each, chosen by -DCHECK_*; README.md says how to run):
 *   CHECK_COVER    committed <= cover, in every reachable state;
 *   CHECK_ONCE     no command applied twice;
 *   CHECK_CONFIRMED a booking the desk received as confirmed stays in the database as confirmed;
 *   CHECK_PULL     a finished pull round holds every change committed before the round began;
 *   ltl answered   every outbox entry is eventually answered (weak fairness);
 *   ltl converge   every desk's replica eventually equals the server's rows for ever.
 *
 * Broken variants (each must be refuted by spin): BROKEN_ARBITRATION, BROKEN_IDEMPOTENCY,
 * BROKEN_ANSWER_EARLY, BROKEN_PULL_WINDOW, BROKEN_NO_RETRY, BROKEN_NO_TIMER, and with NE=2
 * CHECK_ORDER (an entry commits only after the entries before it were decided) and
 * BROKEN_PARALLEL_PUSH.
 */

#ifndef NE
#define NE 1            /* outbox entries per desk */
#endif
#define ND 2            /* desks */
#define NS 2            /* server processes */
#define NC (ND * NE)    /* commands: command c = d * NE + e */
#define COVER 3         /* the family's cover */
#define AMOUNT 2        /* every booking asks for 2: two of them cannot both be fully covered */

/* Fault budgets: how many of each fault a run may inject (the network is fair afterwards). */
#ifndef DROPS
#define DROPS 1
#endif
#ifndef DUPS
#define DUPS 1
#endif
#ifndef SERVER_CRASHES
#define SERVER_CRASHES 1
#endif
#ifndef DESK_CRASHES
#define DESK_CRASHES 1
#endif
#ifndef EARLY_TIMEOUTS
#define EARLY_TIMEOUTS 1
#endif

/* ---------------------------------------------------------------- the database (committed) */
byte committed;               /* families.committed */
byte familyXid;               /* families.change_xid */
byte familyVersion;           /* ghost: committed writes to the family row */
byte covered[NC];             /* bookings.covered_amount of command c's booking */
byte bookingXid[NC];          /* bookings.change_xid */
byte bookingVersion[NC];      /* ghost: committed writes to the booking row, 0 = no row */
byte storedAnswer[NC];        /* commands row with its answer: 0 none, else covered + 1 */
byte keyHolder[NC];           /* uncommitted claim of command c: server s + 1 */
byte familyHolder;            /* row lock on the family row: server s + 1 */
byte nextXid = 1;             /* the next transaction id to hand out (0 is the fresh desk's window) */
byte runningXid[NS];          /* the xid of server s's open transaction, 0 = none */
byte applied[NC];             /* ghost: how many times command c's effects committed */
byte working[NS];             /* ghost: server s is inside command c's transaction: c + 1 */

/* ---------------------------------------------------------------- the network (bags) */
byte pushInFlight[NC];        /* push requests of desk d from entry e, index d * NE + e */
byte answerInFlight[NC * (AMOUNT + 1)]; /* answers (command c, covered g), index c * (AMOUNT + 1) + g */
byte pushesOf[ND];            /* requests in flight per desk */
byte answersOf[ND];           /* answers in flight per desk */
byte batchOf[NS];             /* server s works on a batch of desk d: d + 1 */
byte drops = DROPS;
byte dups = DUPS;
byte serverCrashes = SERVER_CRASHES;
byte deskCrashes = DESK_CRASHES;
byte earlyTimeouts = EARLY_TIMEOUTS;

/* ---------------------------------------------------------------- the desks (durable) */
byte outbox[NC];              /* 0 pending, else the answer: covered + 1 */
byte answeredCount;           /* ghost: entries answered, for the ltl formulas */
byte windowFrom[ND];          /* pull checkpoint: the window's start (from) */
byte fromRunning[ND * NS];    /* the transactions running when the window began (fromRunning), 0 = none */
byte windowNext[ND];          /* the next window's start (next: xmax when this round began) */
byte nextRunning[ND * NS];    /* the transactions running when this round began (nextRunning) */
bit  pageTable[ND];           /* 0 = round starts with families, 1 = bookings page next */
byte replicaFamily[ND];       /* the version of the family row in desk d's replica */
byte replicaBooking[ND * NC]; /* the version of command c's booking in desk d's replica */
#ifdef CHECK_PULL
byte roundFamily[ND];         /* ghost: the family row's version when d's round began */
byte roundBooking[ND * NC];   /* ghost: each booking's version when d's round began */
#endif

#define cmd(d, e) ((d) * NE + (e))
#define deskOf(c) ((c) / NE)

/* A row written by transaction x is in desk d's window: x >= from, or x was listed as running. */
#define inWindow(d, x) ((x) >= windowFrom[d] || (x) == fromRunning[(d) * NS] || (x) == fromRunning[(d) * NS + 1])

/* The oldest transaction still running, or the next xid when none is (pg_snapshot_xmin). */
inline snapshotXmin(result) {
  result = nextXid;
  if :: runningXid[0] != 0 && runningXid[0] < result -> result = runningXid[0] :: else fi;
  if :: runningXid[1] != 0 && runningXid[1] < result -> result = runningXid[1] :: else fi
}

/* Any message in a bag, in any order (a nondeterministic choice among the non-empty slots). */
#define slot(bag, i, k) :: bag[i] > 0 -> k = i
#if NE == 1
#define pickPush(k) if slot(pushInFlight, 0, k) slot(pushInFlight, 1, k) fi
#define pickAnswer(d, k) if slot(answerInFlight, cmd(d, 0) * 3, k) slot(answerInFlight, cmd(d, 0) * 3 + 1, k) slot(answerInFlight, cmd(d, 0) * 3 + 2, k) fi
#else
#define pickPush(k) if slot(pushInFlight, 0, k) slot(pushInFlight, 1, k) slot(pushInFlight, 2, k) slot(pushInFlight, 3, k) fi
#define pickAnswer(d, k) if slot(answerInFlight, cmd(d, 0) * 3, k) slot(answerInFlight, cmd(d, 0) * 3 + 1, k) slot(answerInFlight, cmd(d, 0) * 3 + 2, k) \
  slot(answerInFlight, cmd(d, 1) * 3, k) slot(answerInFlight, cmd(d, 1) * 3 + 1, k) slot(answerInFlight, cmd(d, 1) * 3 + 2, k) fi
#endif

/* The network carries a message, loses it, or carries two copies (budgets). */
inline sendPush(d, e) {
  if
  :: drops > 0 -> drops--; printf("MSC: desk %d: push from entry %d LOST by the network\n", d, e)
  :: pushInFlight[cmd(d, e)] < 2 -> pushInFlight[cmd(d, e)]++; pushesOf[d]++; printf("MSC: desk %d: push from entry %d sent\n", d, e)
  :: pushInFlight[cmd(d, e)] == 2 -> skip   /* two identical copies in flight already: one more adds nothing two servers can do */
  :: dups > 0 && pushInFlight[cmd(d, e)] == 0 -> dups--; pushInFlight[cmd(d, e)] = 2; pushesOf[d] = pushesOf[d] + 2; printf("MSC: desk %d: push from entry %d DUPLICATED by the network\n", d, e)
  fi
}

inline sendAnswer(c, g) {
  if
  :: drops > 0 -> drops--; printf("MSC: answer to command %d (covered %d) LOST by the network\n", c, g)
  :: answerInFlight[c * (AMOUNT + 1) + g] == 0 -> answerInFlight[c * (AMOUNT + 1) + g] = 1; answersOf[deskOf(c)]++; printf("MSC: answer to command %d sent: covered %d\n", c, g)
  :: answerInFlight[c * (AMOUNT + 1) + g] == 1 -> skip   /* the same answer is in flight: the desk keeps the first it reads */
  fi
}

/* ---------------------------------------------------------------- the server: push + runner */
proctype Server(byte s) {
  byte d, first, e, c, g;
#if NE > 1
  byte g0;                    /* the answer of the batch's first entry, sent with the last */
#endif

  /* Receive any in-flight push request: the bag delivers in any order, after any delay. */
end_idle:
  atomic {
    pickPush(c);
    pushInFlight[c]--; d = deskOf(c); first = c % NE; e = first; pushesOf[d]--; batchOf[s] = d + 1; c = 0;
    printf("MSC: server %d: receives the push of desk %d from entry %d\n", s, d, first)
  };

entry:
  /* applyPush: each mutation through runCommand, in outbox order. */
  c = cmd(d, e);
#ifdef POISON
  /* FINDING: desk 0's first entry fails on the server every time with an error that is not a
     business rejection (a handler bug, an internal error): applyPush answers stoppedAt. */
  if
  :: c == 0 ->
     atomic {
       printf("MSC: server %d: command 0 fails (not a rejection): answers stoppedAt\n", s);
       batchOf[s] = 0; d = 0; first = 0; e = 0; c = 0; g = 0
     };
     goto end_idle
  :: else
  fi;
#endif
#ifdef BROKEN_IDEMPOTENCY
  /* BROKEN: look for a stored answer, apply, and record the command id only afterwards. */
  if
  :: atomic { storedAnswer[c] > 0 -> g = storedAnswer[c] - 1; printf("MSC: server %d: command %d has an answer: replays covered %d\n", s, c, g); goto answered }
  :: atomic { storedAnswer[c] == 0 -> runningXid[s] = nextXid; nextXid++; working[s] = c + 1; printf("MSC: server %d: no answer stored for command %d: runs it (xid %d)\n", s, c, runningXid[s]) }
  :: atomic { serverCrashes > 0 -> serverCrashes-- }; goto crash
  fi;
#else
  /* INSERT INTO commands ... ON CONFLICT DO NOTHING, the transaction's first write (its xid):
     a duplicate waits on the primary key until the holder ends, then replays the stored answer. */
  if
  :: atomic { keyHolder[c] == 0 && storedAnswer[c] > 0 -> g = storedAnswer[c] - 1; printf("MSC: server %d: command %d already answered: replays covered %d\n", s, c, g); goto answered }
  :: atomic { keyHolder[c] == 0 && storedAnswer[c] == 0 -> keyHolder[c] = s + 1; runningXid[s] = nextXid; nextXid++; working[s] = c + 1; printf("MSC: server %d: claims command %d (xid %d)\n", s, c, runningXid[s]) }
  :: atomic { serverCrashes > 0 -> serverCrashes-- }; goto crash
  fi;
#endif

#ifdef BROKEN_ARBITRATION
  /* BROKEN: read the family's room, decide in the application, add the grant later. */
  if
  :: atomic { g = (COVER - committed < AMOUNT -> COVER - committed : AMOUNT); printf("MSC: server %d: reads committed %d, will cover %d of command %d\n", s, committed, g, c) }
  :: atomic { serverCrashes > 0 -> serverCrashes-- }; goto crash
  fi;
#else
  /* reserveCover / add_booking_decision: ONE conditional UPDATE under the family row lock,
     LEAST(requested, cover - committed) read from the row as it is under that lock. */
  if
  :: atomic { familyHolder == 0 -> familyHolder = s + 1; g = (COVER - committed < AMOUNT -> COVER - committed : AMOUNT); printf("MSC: server %d: locks the family row, covers %d of command %d\n", s, g, c) }
  :: atomic { serverCrashes > 0 -> serverCrashes-- }; goto crash
  fi;
#endif

#ifdef BROKEN_ANSWER_EARLY
  /* BROKEN: answer the desk from the handler's result before the transaction commits. */
  sendAnswer(c, g);
#endif

  /* COMMIT: the effects, the stored answer and the release of the locks, at once. */
  if
  :: atomic {
#ifdef CHECK_ORDER
       /* Outbox order: an entry's effects commit only after every earlier entry of its desk was decided. */
       assert(e == 0 || storedAnswer[c - 1] > 0);
#endif
#ifndef BROKEN_ARBITRATION
       familyHolder = 0;
#endif
       committed = committed + g; familyXid = runningXid[s]; familyVersion++;
       covered[c] = g; bookingXid[c] = runningXid[s]; bookingVersion[c]++;
#ifndef BROKEN_IDEMPOTENCY
       storedAnswer[c] = g + 1; keyHolder[c] = 0;
#endif
       applied[c]++;
       printf("MSC: server %d: COMMIT xid %d: command %d covered %d, family committed %d\n", s, runningXid[s], c, g, committed);
       runningXid[s] = 0; working[s] = 0
     }
  :: atomic { serverCrashes > 0 -> serverCrashes-- }; goto crash
  fi;
#ifdef BROKEN_IDEMPOTENCY
  /* BROKEN: the command id and its answer are recorded in a second transaction. */
  if
  :: atomic { storedAnswer[c] = g + 1; printf("MSC: server %d: records command %d's answer\n", s, c) }
  :: atomic { serverCrashes > 0 -> serverCrashes-- }; goto crash
  fi;
#endif
#ifdef BROKEN_ANSWER_EARLY
  goto next;
#endif

answered:
#ifdef BROKEN_ANSWER_EARLY
  sendAnswer(c, g);           /* a replay answers here; a new command answered before its commit */
next:
#endif
#if NE > 1
  if
  :: e < NE - 1 -> g0 = g; e++; goto entry
  :: else
  fi;
#endif
  /* The HTTP answer: every answer of the batch, after its last commit. */
  atomic {
#ifndef BROKEN_ANSWER_EARLY
#if NE > 1
    if :: e > first -> sendAnswer(cmd(d, first), g0) :: else fi;
#endif
    sendAnswer(c, g);
#endif
    batchOf[s] = 0; d = 0; first = 0; e = 0; c = 0; g = 0
#if NE > 1
    ; g0 = 0
#endif
  };
  goto end_idle;

crash:
  /* The process dies: PostgreSQL rolls its transaction back and releases its locks; the desk's
     request and everything in memory are gone. */
  atomic {
    printf("MSC: server %d: CRASH (its transaction rolls back)\n", s);
    if :: keyHolder[c] == s + 1 -> keyHolder[c] = 0 :: else fi;
    if :: familyHolder == s + 1 -> familyHolder = 0 :: else fi;
    runningXid[s] = 0; working[s] = 0; batchOf[s] = 0;
    d = 0; first = 0; e = 0; c = 0; g = 0
#if NE > 1
    ; g0 = 0
#endif
  };
  goto end_idle
}

/* ---------------------------------------------------------------- the desk: sync engine */
#define allAnsweredOf(d) (outbox[cmd(d, 0)] > 0 && outbox[cmd(d, NE - 1)] > 0)
/* The desk's request is certainly dead: nothing of it in flight anywhere (a timeout fired). */
#define deadOf(d) (pushesOf[d] == 0 && answersOf[d] == 0 && batchOf[0] != d + 1 && batchOf[1] != d + 1)

proctype Desk(byte d) {
  byte e, c, g, k, start;
  bit idle;

cycle:
  /* pushAll: the first pending entry and everything after it, in outbox order. */
  if
  :: outbox[cmd(d, 0)] == 0 -> e = 0
#if NE > 1
  :: outbox[cmd(d, 0)] > 0 && outbox[cmd(d, 1)] == 0 -> e = 1
#ifdef BROKEN_PARALLEL_PUSH
  /* BROKEN: each pending entry goes in its own request, not waiting for the one before. */
  :: outbox[cmd(d, 0)] == 0 && outbox[cmd(d, 1)] == 0 -> e = 1
#endif
#endif
  :: allAnsweredOf(d) -> goto pull
  fi;
  atomic { sendPush(d, e); e = 0 };

waiting:
  do
  :: atomic {
       /* recordAnswers: mark the entry answered (once: a repeat answers the first answer). */
       pickAnswer(d, k);
       answerInFlight[k]--; answersOf[d]--;
       c = k / (AMOUNT + 1); g = k % (AMOUNT + 1);
       if
       :: outbox[c] == 0 -> outbox[c] = g + 1; answeredCount++; printf("MSC: desk %d: command %d answered: covered %d (confirmed)\n", d, c, g)
       :: else
       fi;
       k = 0; c = 0; g = 0
     };
     if
     :: allAnsweredOf(d) -> goto pull
     :: else
     fi
#ifndef BROKEN_NO_RETRY
#ifdef PULL_ON_PUSH_FAILURE
  /* The fix to weigh: a push that failed still lets this cycle pull. */
  :: atomic { deadOf(d) -> printf("MSC: desk %d: push failed, pulls anyway\n", d) }; goto pull
#else
  :: atomic { deadOf(d) -> printf("MSC: desk %d: push failed or timed out, pushes again (no pull this cycle)\n", d) }; goto cycle
#endif
#endif
  :: atomic { earlyTimeouts > 0 -> earlyTimeouts--; printf("MSC: desk %d: early timeout, pushes again\n", d) }; goto cycle
  :: atomic { deskCrashes > 0 -> deskCrashes--; printf("MSC: desk %d: CRASH while pushing\n", d) }; goto cycle   /* outbox kept */
  od;

pull:
#ifdef NO_PULL
  /* Runs of the push properties leave pulls out: a pull only reads the server (a read-only
     transaction) and writes the desk's replica, which no push property looks at. */
  goto done;
#endif
  /* pullAll. Each page is read in one snapshot and applied with its checkpoint in one replica
     transaction; a lost page or a crash between reading and applying is a page not applied, so
     reading and applying are one step here. */
  if
  :: pageTable[d] == 0 ->
     atomic {
       /* nextWindowStart (sync/pull.ts): the snapshot's xmax (the next xid to hand out) and the
          transactions running then (pg_snapshot_xip); with more than 16 running, xmin and no list. */
#ifdef BROKEN_PULL_WINDOW
       /* BROKEN: xmax alone, as a sequence or timestamp high-water mark would: running ones forgotten. */
       start = nextXid; nextRunning[d * NS] = 0; nextRunning[d * NS + 1] = 0;
#else
       if
       :: start = nextXid; nextRunning[d * NS] = runningXid[0]; nextRunning[d * NS + 1] = runningXid[1]
       :: snapshotXmin(start); nextRunning[d * NS] = 0; nextRunning[d * NS + 1] = 0   /* the > 16 fallback */
       fi;
#endif
#ifdef CHECK_PULL
       roundFamily[d] = familyVersion;
       k = 0;
       do
       :: k < NC -> roundBooking[d * NC + k] = bookingVersion[k]; k++
       :: else -> break
       od;
#endif
       if :: familyVersion > 0 && inWindow(d, familyXid) -> replicaFamily[d] = familyVersion :: else fi;
       windowNext[d] = start; pageTable[d] = 1;
       printf("MSC: desk %d: families page, window from xid %d (+ running %d %d), next window from %d (+ running %d %d); replica family v%d (server v%d, xid %d)\n", d, windowFrom[d], fromRunning[d * NS], fromRunning[d * NS + 1], start, nextRunning[d * NS], nextRunning[d * NS + 1], replicaFamily[d], familyVersion, familyXid);
       start = 0; k = 0
     }
  :: else
  fi;
  if
  :: atomic { deskCrashes > 0 -> deskCrashes--; printf("MSC: desk %d: CRASH between pages\n", d) }; goto cycle
  :: skip
  fi;
  atomic {
    k = 0;
    do
    :: k < NC ->
       if :: bookingVersion[k] > 0 && inWindow(d, bookingXid[k]) -> replicaBooking[d * NC + k] = bookingVersion[k] :: else fi;
       k++
    :: else -> break
    od;
    printf("MSC: desk %d: bookings page (window from xid %d): replica bookings v%d v%d, server v%d v%d (xids %d %d)\n", d, windowFrom[d], replicaBooking[d * NC], replicaBooking[d * NC + 1], bookingVersion[0], bookingVersion[1], bookingXid[0], bookingXid[1]);
    windowFrom[d] = windowNext[d]; pageTable[d] = 0;
    fromRunning[d * NS] = nextRunning[d * NS]; fromRunning[d * NS + 1] = nextRunning[d * NS + 1];
#ifdef CHECK_PULL
    /* No pull skips a committed change: the round holds every version committed before it began. */
    assert(replicaFamily[d] >= roundFamily[d]);
    k = 0;
    do
    :: k < NC -> assert(replicaBooking[d * NC + k] >= roundBooking[d * NC + k]); k++
    :: else -> break
    od;
#endif
    k = 0
  };
#ifdef BROKEN_NO_TIMER
  /* BROKEN: sync only while the desk has something to push (no poke, no safety timer). */
  if
  :: allAnsweredOf(d) -> goto done
  :: else
  fi;
#endif
  goto cycle;
done:
  /* The desk stays open and idle (a terminated process would leave only a stuttering end). */
end_done:
  do
  :: idle = 1 - idle
  od
}

/* ---------------------------------------------------------------- safety monitors */
#define noOverCommit (committed <= COVER)
#if NC == 2
#define appliedOnce (applied[0] <= 1 && applied[1] <= 1)
#define keptOf(c) (outbox[c] == 0 || working[0] == c + 1 || working[1] == c + 1 || (bookingVersion[c] > 0 && covered[c] + 1 == outbox[c]))
#define confirmedKept (keptOf(0) && keptOf(1))
#define convergedOf(d) (replicaFamily[d] == familyVersion && replicaBooking[d * NC] == bookingVersion[0] && replicaBooking[d * NC + 1] == bookingVersion[1])
#else
#define appliedOnce (applied[0] <= 1 && applied[1] <= 1 && applied[2] <= 1 && applied[3] <= 1)
#define keptOf(c) (outbox[c] == 0 || working[0] == c + 1 || working[1] == c + 1 || (bookingVersion[c] > 0 && covered[c] + 1 == outbox[c]))
#define confirmedKept (keptOf(0) && keptOf(1) && keptOf(2) && keptOf(3))
#define convergedOf(d) (replicaFamily[d] == familyVersion && replicaBooking[d * NC] == bookingVersion[0] && replicaBooking[d * NC + 1] == bookingVersion[1] \
                        && replicaBooking[d * NC + 2] == bookingVersion[2] && replicaBooking[d * NC + 3] == bookingVersion[3])
#endif

/* The monitor's step is enabled in exactly the reachable states that break a checked invariant. */
#ifdef CHECK_COVER
#define watchCover noOverCommit
#else
#define watchCover true
#endif
#ifdef CHECK_ONCE
#define watchOnce appliedOnce
#else
#define watchOnce true
#endif
#ifdef CHECK_CONFIRMED
#define watchConfirmed confirmedKept
#else
#define watchConfirmed true
#endif

#if defined(CHECK_COVER) || defined(CHECK_ONCE) || defined(CHECK_CONFIRMED)
active proctype Monitor() {
end_watch:
  atomic {
    !(watchCover && watchOnce && watchConfirmed) ->
    assert(watchCover); assert(watchOnce); assert(watchConfirmed)
  }
}
#endif

init {
  atomic {
    run Server(0); run Server(1);
    run Desk(0); run Desk(1)
  }
}

/* ---------------------------------------------------------------- liveness (weak fairness) */
ltl answered { <> (answeredCount == NC) }
ltl converge { <> [] (convergedOf(0) && convergedOf(1)) }
