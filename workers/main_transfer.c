/*  daiban-transfer: the transfer role's process (see transfer.h, worker.h). */
#include "transfer.h"
#include "worker.h"

int
main (int argc, char **argv)
{
    return worker_main (&transfer_role, argc, argv);
}
