/*  daiban-escalation: the escalation role's process (see escalation.h, worker.h). */
#include "escalation.h"
#include "worker.h"

int
main (int argc, char **argv)
{
    return worker_main (&escalation_role, argc, argv);
}
