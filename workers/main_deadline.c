/*  daiban-deadline: the deadline role's process (see deadline.h, worker.h). */
#include "deadline.h"
#include "worker.h"

int
main (int argc, char **argv)
{
    return worker_main (&deadline_role, argc, argv);
}
