/* SPDX-License-Identifier: BSD-2-Clause */
/* subcommands.h - every subcommand's entry point, one per file */
#ifndef WS_SUBCOMMANDS_H
#define WS_SUBCOMMANDS_H

int run_main(int argc, char **argv);
int decode_main(int argc, char **argv);
int collect_main(int argc, char **argv);
int flows_main(int argc, char **argv);
int export_main(int argc, char **argv);
int probe_main(int argc, char **argv);
int tunnels_main(int argc, char **argv);
int branch_config_main(int argc, char **argv);
int branch_check_main(int argc, char **argv);
int doctor_main(int argc, char **argv);
int ping_main(int argc, char **argv);
int traceroute_main(int argc, char **argv);
int mtr_main(int argc, char **argv);
int edge_main(int argc, char **argv);
int connector_main(int argc, char **argv);
int credentials_main(int argc, char **argv);

#endif
