/* The error convention of q4tune's library calls, stated once.
 *
 * A call that can fail returns int: 0 when it did what it says, -1 when it
 * did not, and then it has written one line a person can act on into the
 * caller's buffer (the parameters `char *err, size_t errlen`; it names the
 * file, option, tensor or mask at fault, and never ends in a newline). A
 * call that makes an object returns it, or NULL with the message in err.
 * Nothing else is an error: a value that may be absent is an out field left
 * NULL or 0 (a tensor a file does not hold, a kernel this build lacks), a
 * question returns its answer (q4t_kernel_missing, q4t_kernel_same_w), and a
 * count is a count. Messages are built with snprintf and truncated to errlen.
 *
 * Nothing a user can trigger ends in abort() or a signal: bad input, a
 * missing or corrupt file, an impossible shape or mask and an unsupported CPU
 * each come back as -1 and a message, which the CLI (harness/) prints with
 * its command's name and turns into an exit status (harness/cli.h). */
#ifndef Q4T_STATUS_H
#define Q4T_STATUS_H

enum { Q4T_OK = 0, Q4T_ERR = -1 };

#endif
