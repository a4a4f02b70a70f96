/*  daiban-reminder: the reminder role's process (see reminder.h, worker.h). */
#include "reminder.h"
#include "worker.h"

int
main (int argc, char **argv)
{
    return worker_main (&reminder_role, argc, argv);
}
