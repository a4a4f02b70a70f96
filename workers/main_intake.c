/*  daiban-intake: the intake role's process (see intake.h, worker.h). */
#include "intake.h"
#include "worker.h"

int
main (int argc, char **argv)
{
    return worker_main (&intake_role, argc, argv);
}
